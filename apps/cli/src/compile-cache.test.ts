import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const work = mkdtempSync(join(tmpdir(), 'kiln-compile-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// A small module tree: a hashbang, a nested require, __dirname, require.resolve, and one module calling import().
writeFileSync(join(work, 'a.js'), "#!/usr/bin/env node\nconst b = require('./b');\nmodule.exports = { sum: b.twice(20) + 2, dir: __dirname, resolved: require.resolve('./b') };\n");
writeFileSync(join(work, 'b.js'), 'exports.twice = (x) => 2 * x;\n');
writeFileSync(join(work, 'c.js'), "module.exports = () => import('./b.js').then((m) => m.twice(4));\n");

/** Runs the hook in a fresh process (so this one's loader stays untouched); returns what the modules gave and the stats. */
function run(env: Record<string, string>): { sum: number; dir: string; resolved: string; dynamic: number; stats: { hits: number; misses: number; skipped: number }; dir2?: string } {
  const script =
    `const cc = require(${JSON.stringify(join(__dirname, 'compile-cache.ts'))}); const dir = cc.enableCompileCache(process.env);` +
    `const a = require(${JSON.stringify(join(work, 'a.js'))});` +
    `require(${JSON.stringify(join(work, 'c.js'))})().then((dynamic) => console.log(JSON.stringify({ ...a, dynamic, stats: cc.compileCacheStats, dir2: dir })));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', env: { ...process.env, KILN_CACHE_DIR: join(work, 'cache'), ...env } });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('enableCompileCache', () => {
  const hasBuiltIn = typeof (require('node:module') as { enableCompileCache?: unknown }).enableCompileCache === 'function';

  it.skipIf(hasBuiltIn)('first run compiles and stores, the next restores; modules behave the same', () => {
    const first = run({});
    expect(first).toMatchObject({ sum: 42, dir: work, resolved: join(work, 'b.js'), dynamic: 8 });
    expect(first.stats.misses).toBeGreaterThanOrEqual(2); // a.js, b.js
    expect(first.stats.skipped).toBeGreaterThanOrEqual(1); // c.js calls import()
    expect(readdirSync(first.dir2!).filter((n) => n.endsWith('.v8')).length).toBeGreaterThanOrEqual(2);
    const second = run({});
    expect(second).toMatchObject({ sum: 42, dir: work, dynamic: 8 });
    expect(second.stats.hits).toBeGreaterThanOrEqual(2);
    expect(second.stats.misses).toBeLessThan(first.stats.misses);
  });

  it.skipIf(hasBuiltIn)('an edited module gets a new entry; KILN_COMPILE_CACHE=0 turns it off', () => {
    run({});
    writeFileSync(join(work, 'b.js'), 'exports.twice = (x) => 2 * x + 0;\n');
    const edited = run({});
    expect(edited.sum).toBe(42);
    expect(edited.stats.misses).toBeGreaterThanOrEqual(1);
    const off = run({ KILN_COMPILE_CACHE: '0' });
    expect(off.dir2).toBeUndefined();
    expect(off.stats).toEqual({ hits: 0, misses: 0, skipped: 0 });
  });
});
