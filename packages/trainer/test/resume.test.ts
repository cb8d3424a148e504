import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { restoreMathRandom, seedEverything } from '@kiln/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Callback, type TrainerView } from '@kiln/contracts';
import { loadCheckpoint } from '../src/checkpoint';
import { TrainingInterruptedError } from '../src/errors';
import { Adam } from '../src/optimizers/adam';
import { Sgd } from '../src/optimizers/sgd';
import { CosineScheduler } from '../src/schedulers/cosine';
import { StepScheduler } from '../src/schedulers/step';
import { Trainer } from '../src/trainer';
import { crossEntropy, FakeDataModule, tinyModel } from './fake-data';
import { expectSameWeights, removeTempDirs, SaveLast, tempDir, weightsOf } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => restoreMathRandom());
afterAll(() => removeTempDirs());

/** Emits a signal once, after a given batch of a given epoch (like a user pressing Ctrl-C). */
class SignalAt extends Callback {
  constructor(private readonly epoch: number, private readonly batch: number, private readonly signal: 'SIGTERM' | 'SIGINT') {
    super();
  }
  override onTrainBatchEnd(t: TrainerView, b: { batchIdx: number }): void {
    if (t.epoch === this.epoch && b.batchIdx === this.batch) process.emit(this.signal);
  }
}

describe('exact resume on the cpu backend', () => {
  it('stop at an epoch boundary (maxEpochs) + resume = uninterrupted run', async () => {
    const setup = (seed: number) => {
      seedEverything(seed);
      return { model: tinyModel({ dropout: 0.2 }), data: new FakeDataModule() };
    };
    const fit = (model: ReturnType<typeof tinyModel>, data: FakeDataModule, maxEpochs: number, runDir: string, resume: string | null = null) =>
      new Trainer({ maxEpochs, resume, ema: { decay: 0.9 } }, { runDir }).fit({
        model,
        loss: crossEntropy,
        optimizer: new Sgd({ lr: 0.1, momentum: 0.9 }),
        scheduler: new StepScheduler({ stepSize: 2, gamma: 0.5 }),
        data,
        callbacks: { save: new SaveLast() },
      });

    const a = setup(11);
    const full = await fit(a.model, a.data, 4, tempDir());
    const dir = tempDir();
    const b = setup(11);
    await fit(b.model, b.data, 2, dir);
    const ckptPath = join(dir, 'checkpoints', 'last.ckpt');
    const ckpt = await loadCheckpoint(ckptPath);
    expect(ckpt.epoch).toBe(2);
    expect(ckpt.batchInEpoch).toBe(0);
    expect(ckpt.globalStep).toBe(16);
    // SaveLast counts after writing, so the second save records 1
    expect(ckpt.callbacks).toEqual({ save: { saved: 1 } });

    const c = setup(999); // different init: everything must come from the checkpoint
    const resumed = await fit(c.model, c.data, 4, tempDir(), ckptPath);
    expect(resumed.resumedFrom).toBe(ckptPath);
    expect(resumed.globalStep).toBe(full.globalStep);
    expectSameWeights(weightsOf(c.model.net), weightsOf(a.model.net), 1e-6);
    expect(resumed.metrics['val/accuracy']).toBeCloseTo(full.metrics['val/accuracy'], 6);
  });

  for (const seekable of [true, false]) {
    it(`SIGTERM mid-epoch saves last.ckpt, exits 143, and resume matches (data ${seekable ? 'seeks' : 'is skipped'})`, async () => {
      const fit = (seed: number, runDir: string, extra: Callback[] = [], resume: string | null = null) => {
        seedEverything(seed);
        const model = tinyModel({ dropout: 0.1 });
        const data = new FakeDataModule({ seekable });
        const run = new Trainer({ maxEpochs: 3, resume, accumulateGradBatches: 2 }, { runDir }).fit({
          model,
          loss: crossEntropy,
          optimizer: new Adam({ lr: 0.02 }),
          scheduler: new CosineScheduler({ warmupSteps: 3 }),
          data,
          callbacks: [new SaveLast(), ...extra],
        });
        return { model, run };
      };
      const a = fit(5, tempDir());
      await a.run;
      const dir = tempDir();
      const listeners = process.listenerCount('SIGTERM');
      const b = fit(5, dir, [new SignalAt(1, 4, 'SIGTERM')]);
      const err = await b.run.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TrainingInterruptedError);
      expect((err as TrainingInterruptedError).exitCode).toBe(143);
      expect(process.listenerCount('SIGTERM')).toBe(listeners);
      const last = join(dir, 'checkpoints', 'last.ckpt');
      expect(existsSync(last)).toBe(true);
      // batch 4 is mid-accumulation: the loop finishes the optimizer step (batch 5) first
      const ckpt = await loadCheckpoint(last);
      expect([ckpt.epoch, ckpt.batchInEpoch, ckpt.globalStep]).toEqual([1, 6, 7]);
      const c = fit(77, tempDir(), [], dir);
      const resumed = await c.run;
      expect(resumed.globalStep).toBe(12);
      expectSameWeights(weightsOf(c.model.net), weightsOf(a.model.net), 1e-6);
    });
  }

  it('SIGINT exits with code 130', async () => {
    const model = tinyModel();
    const err = await new Trainer({ maxEpochs: 2 })
      .fit({ model, loss: crossEntropy, optimizer: new Sgd(), data: new FakeDataModule(), callbacks: [new SignalAt(0, 1, 'SIGINT')] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingInterruptedError);
    expect((err as TrainingInterruptedError).exitCode).toBe(130);
    expect((err as TrainingInterruptedError).checkpointPath).toBeUndefined();
  });

  it('resume=auto picks the newest last.ckpt under runsRoot', async () => {
    const root = tempDir();
    seedEverything(2);
    const model = tinyModel();
    const data = new FakeDataModule();
    const runDir = join(root, '2026-11-23', '10-00-00');
    await new Trainer({ maxEpochs: 1 }, { runDir }).fit({ model, loss: crossEntropy, optimizer: new Sgd(), data, callbacks: [new SaveLast()] });
    const model2 = tinyModel();
    const r = await new Trainer({ maxEpochs: 2, resume: 'auto' }, { runDir: join(root, '2026-11-23', '11-00-00') }).fit({
      model: model2,
      loss: crossEntropy,
      optimizer: new Sgd(),
      data: new FakeDataModule(),
      runsRoot: root,
    });
    expect(r.resumedFrom).toBe(join(runDir, 'checkpoints', 'last.ckpt'));
    expect(r.globalStep).toBe(16);
  });
});
