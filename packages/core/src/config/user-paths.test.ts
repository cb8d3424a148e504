import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { composeConfig } from './compose';
import { anchorImports, resolveUserPath } from './user-paths';

const saved = process.env.INIT_CWD;
afterEach(() => {
  if (saved === undefined) delete process.env.INIT_CWD;
  else process.env.INIT_CWD = saved;
});

describe('the path rule', () => {
  it('config and command-line paths resolve against the folder the command ran from (INIT_CWD)', () => {
    process.env.INIT_CWD = '/home/user/project';
    expect(resolveUserPath('data/train.csv')).toBe('/home/user/project/data/train.csv');
    expect(resolveUserPath('/abs/x.csv')).toBe('/abs/x.csv');
    delete process.env.INIT_CWD;
    expect(resolveUserPath('x')).toBe(join(process.cwd(), 'x'));
  });

  it('imports: against the config file that lists them; package names unchanged', () => {
    expect(anchorImports(['./mine.js', '../up.js', 'some-package'], '/cfg/dir/train.yaml')).toEqual(['/cfg/dir/mine.js', '/cfg/up.js', 'some-package']);
  });

  it('composeConfig anchors the primary file’s and an experiment file’s imports at their own folders', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-paths-'));
    try {
      mkdirSync(join(dir, 'experiment'));
      writeFileSync(join(dir, 'train.yaml'), 'defaults:\n  - experiment: null\n  - _self_\nimports: [./a.js, pkg]\n');
      writeFileSync(join(dir, 'experiment', 'e.yaml'), '# @package _global_\nimports: [./b.js]\n');
      expect(composeConfig({ configDir: dir }).config.imports).toEqual([join(dir, 'a.js'), 'pkg']);
      expect(composeConfig({ configDir: dir, overrides: ['experiment=e'] }).config.imports).toEqual([join(dir, 'experiment', 'b.js')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
