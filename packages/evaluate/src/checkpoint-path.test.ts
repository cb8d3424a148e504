import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '@kiln/core';
import { checkClassesMatch, resolveCheckpoint } from './checkpoint-path';

function run(classes?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-ckpt-'));
  mkdirSync(join(dir, 'checkpoints'));
  writeFileSync(join(dir, 'checkpoints', 'last.ckpt'), 'x');
  if (classes !== undefined) writeFileSync(join(dir, 'classes.json'), classes);
  return dir;
}

describe('checkpoint paths', () => {
  it('a run folder resolves to its best, else last checkpoint', () => {
    const dir = run();
    expect(resolveCheckpoint(dir)).toBe(join(dir, 'checkpoints', 'last.ckpt'));
    writeFileSync(join(dir, 'checkpoints', 'best.ckpt'), 'x');
    expect(resolveCheckpoint(dir)).toBe(join(dir, 'checkpoints', 'best.ckpt'));
    expect(() => resolveCheckpoint(join(dir, 'nope'))).toThrow(UsageError);
  });
  it("refuses a checkpoint whose classes differ from its run's classes.json", () => {
    const dir = run(JSON.stringify(['a', 'b']));
    const ckpt = join(dir, 'checkpoints', 'last.ckpt');
    expect(() => checkClassesMatch(ckpt, ['a', 'b'])).not.toThrow();
    expect(() => checkClassesMatch(ckpt, ['b', 'a'])).toThrow(/has classes \[b, a\] but .*classes\.json says \[a, b\]/);
    expect(() => checkClassesMatch(join(run(), 'checkpoints', 'last.ckpt'), ['x'])).not.toThrow();
  });
});
