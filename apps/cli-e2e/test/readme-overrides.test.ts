import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, kiln } from './cli';

const README = resolve(__dirname, '../../../README.md');

/** The first cell of every row of the README's "| override | meaning |" table, e.g. `+trainer.ema={decay: 0.999}`. */
function readmeOverrides(): string[] {
  const lines = readFileSync(README, 'utf8').split('\n');
  const start = lines.findIndex((l) => /^\|\s*override\s*\|\s*meaning\s*\|/.test(l));
  expect(start, 'README has an "| override | meaning |" table').toBeGreaterThanOrEqual(0);
  const rows: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cell = /^\|\s*`([^`]+)`/.exec(line);
    // `${…}` rows document interpolation inside config files, not a command-line token
    if (cell && !cell[1].startsWith('${')) rows.push(cell[1]);
  }
  return rows;
}

// Every override the README shows must compose as written (issue 13, bug 5: `+trainer.ema=…` exited 2).
describe.skipIf(!existsSync(CLI))('README override examples', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-readme-'));
  const tokens = readmeOverrides();

  it('the table lists the documented forms', () => {
    expect(tokens.length).toBeGreaterThanOrEqual(4);
  });

  it.each(tokens)('kiln train --cfg %s', (token) => {
    const r = kiln(['train', '--cfg', token], work);
    expect(r.code, r.stderr).toBe(0);
  });
});
