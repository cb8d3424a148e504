import { existsSync, mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, kiln } from './cli';

const TINY = ['data.trainPerClass=12', 'data.valPerClass=4', 'data.testPerClass=4', 'data.batchSize=16', 'trainer.maxEpochs=1'];

/** Every run folder under outputs/ (outputs/<day>/<time>). */
function runFolders(outputs: string): string[] {
  if (!existsSync(outputs)) return [];
  return readdirSync(outputs)
    .filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d))
    .flatMap((d) => readdirSync(join(outputs, d)).map((t) => join(d, t)))
    .sort();
}

// issue 13, bugs 2, 3 and 9: each failed before the run was checked and assembled up front.
describe.skipIf(!existsSync(CLI))('a run is checked before anything is written', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-safety-'));
  const env = { KILN_CACHE_DIR: join(work, 'cache') };
  const outputs = join(work, 'outputs');

  beforeAll(() => {
    const r = kiln(['train', ...TINY, 'callbacks=minimal'], work, env);
    expect(r.code, r.stderr).toBe(0);
  });

  it('a config error (unknown _target_) exits 2 and leaves outputs/ and outputs/latest as they were', () => {
    const before = runFolders(outputs);
    const latest = readlinkSync(join(outputs, 'latest'));
    const r = kiln(['train', ...TINY, 'model._target_=resnt'], work, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown models _target_ 'resnt'.*Did you mean 'resnet'/);
    expect(runFolders(outputs)).toEqual(before);
    expect(readlinkSync(join(outputs, 'latest'))).toBe(latest);
    expect(existsSync(join(outputs, 'latest', 'checkpoints', 'best.ckpt'))).toBe(true);
  });

  it('an unknown key of a callback or the trainer is caught the same way, before data is touched', () => {
    const before = runFolders(outputs);
    for (const bad of ['callbacks.model_checkpoint.saveTopk=2', 'trainer.maxEpoch=2', 'optimizer._target_=adm']) {
      const r = kiln(['train', ...TINY, bad], work, env);
      expect(r.code, bad).toBe(2);
    }
    expect(runFolders(outputs)).toEqual(before);
  });

  it('--workers=2 with trainer.fastDevRun=true runs in one process (no run directory to share) instead of crashing', () => {
    const before = runFolders(outputs);
    const r = kiln(['train', '--workers=2', ...TINY, 'trainer.fastDevRun=true'], work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).toMatch(/fastDevRun: running in one process instead of 2 workers/);
    expect(runFolders(outputs)).toEqual(before);
  });

  it('the shipped scheduler=none trains with a constant learning rate', () => {
    const r = kiln(['train', ...TINY, 'scheduler=none', 'trainer.fastDevRun=true'], work, env);
    expect(r.code, r.stderr).toBe(0);
  });
});
