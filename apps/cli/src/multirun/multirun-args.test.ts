import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../args';
import { parseMultirunArgs } from './multirun-args';

const TRAIN: CommandSpec = {
  name: 'train',
  summary: '',
  usage: 'kiln train',
  valueOptions: { gpus: '', workers: '', 'config-dir': '', config: '' },
  flags: { cfg: '' },
  positionals: true,
};

describe('parseMultirunArgs', () => {
  it('is undefined without -m / --multirun', () => {
    expect(parseMultirunArgs(['optimizer.lr=1e-3,3e-3'], TRAIN)).toBeUndefined();
    expect(parseMultirunArgs(['--', '-m', 'x=1'], TRAIN)).toBeUndefined();
    expect(parseMultirunArgs(['-m', '--help'], TRAIN)).toBeUndefined();
  });

  it('splits sweep overrides, forwarded train options and multirun options', () => {
    const a = parseMultirunArgs(['-m', '--jobs=2', '--gpus=0', '--debug', '--config-dir', 'cfg', 'optimizer.lr=1e-3,3e-3', '--sweeper=random', '--trials', '5', 'model=mlp'], TRAIN)!;
    expect(a).toMatchObject({ jobs: 2, configDir: 'cfg', dryRun: false, debug: true });
    expect(a.trainArgs).toEqual(['--gpus=0', '--debug']);
    expect(a.overrides).toEqual(['hydra.sweeper.trials=5', 'hydra.sweeper=random', 'optimizer.lr=1e-3,3e-3', 'model=mlp']);
    expect(parseMultirunArgs(['--multirun', '--cfg', 'a=1,2'], TRAIN)).toMatchObject({ jobs: 1, dryRun: true, trainArgs: [] });
  });

  it('rejects a bad --jobs, unknown options and an empty sweep', () => {
    expect(() => parseMultirunArgs(['-m', '--jobs=0', 'a=1,2'], TRAIN)).toThrow(/--jobs must be an integer/);
    expect(() => parseMultirunArgs(['-m', '--job=2', 'a=1,2'], TRAIN)).toThrow(/unknown option '--job'/);
    expect(() => parseMultirunArgs(['-m'], TRAIN)).toThrow(/at least one override/);
    expect(() => parseMultirunArgs(['--jobs=2', 'a=1'], TRAIN)).toThrow(/--jobs only applies to a sweep; add -m/);
  });
});
