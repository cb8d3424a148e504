import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Which of `names` (node_modules packages) are loaded after running `script` in a fresh process on core's sources. */
function loadedAfter(script: string, names: string[]): string[] {
  const probe =
    `${script}; const loaded = Object.keys(require.cache);` +
    `console.log(JSON.stringify(${JSON.stringify(names)}.filter((n) => loaded.some((f) => f.includes('/node_modules/' + n + '/')))));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', probe], { cwd: join(__dirname, '..'), encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as string[];
}

// Decode worker threads import @kiln/core for Rng and never parse YAML or build a run container:
// importing core must not load the YAML parser or tsyringe (issue 21: every worker paid for them at start).
describe('importing @kiln/core', () => {
  it('loads neither yaml nor tsyringe until they are used', () => {
    expect(loadedAfter("require('./src/index.ts')", ['yaml', 'tsyringe', 'reflect-metadata'])).toEqual([]);
  });

  it('loads them on first use', () => {
    const parse = "const c = require('./src/index.ts'); if (c.parseYaml('a: 1').a !== 1) throw new Error('parse')";
    expect(loadedAfter(parse, ['yaml', 'tsyringe'])).toEqual(['yaml']);
    const container = "const c = require('./src/index.ts'); c.createRunContainer({ config: {}, registries: c.createRegistries() })";
    expect(loadedAfter(container, ['yaml', 'tsyringe', 'reflect-metadata'])).toEqual(['tsyringe', 'reflect-metadata']);
  });
});
