import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { restoreMathRandom, seedEverything } from '@kiln/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Callback } from '@kiln/contracts';
import type { ProfileReport } from '../src/profiler/profile-report';
import { Adam } from '../src/optimizers/adam';
import { Trainer } from '../src/trainer';
import { crossEntropy, FakeDataModule, tinyModel } from './fake-data';
import { removeTempDirs, SaveLast, tempDir } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => restoreMathRandom());
afterAll(() => removeTempDirs());

class EveryBatch extends Callback {
  static readonly type = 'every_batch';
  batches = 0;
  override onTrainBatchEnd() {
    this.batches++;
  }
}

async function fit(profiler: 'simple' | 'advanced' | null) {
  seedEverything(3);
  const runDir = tempDir();
  const model = tinyModel();
  const cb = new EveryBatch();
  const trainer = new Trainer({ maxEpochs: 2, profiler }, { runDir });
  const result = await trainer.fit({ model, loss: crossEntropy, optimizer: new Adam({ lr: 0.05 }), data: new FakeDataModule(), callbacks: [cb, new SaveLast()] });
  model.net.dispose();
  return { runDir, result, cb };
}

describe('trainer.profiler', () => {
  it('simple: writes profile.txt and profile.json with the loop phases, the hooks by callback type and checkpoint writes', async () => {
    const { runDir, result, cb } = await fit('simple');
    expect(cb.batches).toBe(16); // the timed stand-ins still call the callback
    const report = JSON.parse(readFileSync(join(runDir, 'profile.json'), 'utf8')) as ProfileReport;
    const byPath = new Map(report.phases.map((p) => [p.path, p]));
    for (const path of [
      'startup.fit_setup',
      'train_epoch',
      'train_epoch/data_wait',
      'train_epoch/forward',
      'train_epoch/backward',
      'train_epoch/metrics',
      'train_epoch/optimizer',
      'train_epoch/every_batch.onTrainBatchEnd',
      'validation',
      'validation/data_wait',
      'validation/forward',
      'validation/metrics',
      'SaveLast.onValidationEnd',
      'SaveLast.onValidationEnd/checkpoint.write',
    ]) {
      expect(byPath.has(path), path).toBe(true);
    }
    expect(byPath.get('train_epoch')!.count).toBe(2);
    expect(byPath.get('train_epoch/forward')!.count).toBe(result.globalStep);
    expect(byPath.get('train_epoch/every_batch.onTrainBatchEnd')!.count).toBe(16);
    expect(byPath.get('SaveLast.onValidationEnd/checkpoint.write')!.count).toBe(2);
    // A parent holds at least the time of its children.
    const children = report.phases.filter((p) => p.path.startsWith('train_epoch/')).reduce((s, p) => s + p.totalMs, 0);
    expect(byPath.get('train_epoch')!.totalMs).toBeGreaterThanOrEqual(children);
    const top = report.phases.filter((p) => p.depth === 0).reduce((s, p) => s + p.percent, 0);
    expect(top + report.unprofiledPercent).toBeCloseTo(100, 6);
    expect(report.timeToFirstStepMs).toBeGreaterThan(0);
    expect(report.kernels).toBeUndefined();
    expect(readFileSync(join(runDir, 'profile.txt'), 'utf8')).toMatch(/train_epoch[\s\S]*\n {2}forward /);
  });

  it('advanced on a backend that cannot time kernels: the phases and a note saying so', async () => {
    const { runDir } = await fit('advanced');
    const report = JSON.parse(readFileSync(join(runDir, 'profile.json'), 'utf8')) as ProfileReport;
    expect(report.kind).toBe('advanced');
    expect(report.notes.join(' ')).toMatch(/cpu backend does not time its kernels/);
  });

  it('null: no profile files', async () => {
    const { runDir, cb } = await fit(null);
    expect(cb.batches).toBe(16);
    expect(existsSync(join(runDir, 'profile.json'))).toBe(false);
    expect(existsSync(join(runDir, 'profile.txt'))).toBe(false);
  });
});
