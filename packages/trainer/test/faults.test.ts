import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError, Logger, memorySink, restoreMathRandom, seedEverything } from '@kiln/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Callback, type TrainerView } from '@kiln/contracts';
import { NonFiniteLossError } from '../src/errors';
import { Sgd } from '../src/optimizers/sgd';
import { Trainer } from '../src/trainer';
import type { LossFn } from '@kiln/contracts';
import { crossEntropy, FakeDataModule, tinyModel } from './fake-data';
import { expectSameWeights, removeTempDirs, tempDir, weightsOf } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => restoreMathRandom());
afterAll(() => removeTempDirs());

/** Writes best.ckpt after each validation (stand-in for ModelCheckpoint). */
class SaveBest extends Callback {
  errors: unknown[] = [];
  override async onValidationEnd(t: TrainerView): Promise<void> {
    if (t.runDir) await t.saveCheckpoint(join(t.runDir, 'checkpoints', 'best.ckpt'));
  }
  override onException(_t: TrainerView, error: unknown): void {
    this.errors.push(error);
  }
}

/** Cross-entropy that turns NaN on its `at`-th training call. */
function nanLossAt(at: number): LossFn & { calls: number } {
  return {
    calls: 0,
    compute(logits, targets) {
      this.calls++;
      const l = crossEntropy.compute(logits, targets);
      return this.calls === at ? (l.mul(NaN) as tf.Scalar) : l;
    },
  };
}

/** Simulates a backend that runs out of memory on batches larger than `maxRows`. */
function oomAbove(maxRows: number): LossFn & { failures: number } {
  return {
    failures: 0,
    compute(logits, targets) {
      if (logits.shape[0] > maxRows) {
        this.failures++;
        const err = new Error(`simulated: OOM when allocating tensor with shape [${logits.shape}]`);
        err.name = 'OutOfMemoryError';
        throw err;
      }
      return crossEntropy.compute(logits, targets);
    },
  };
}

describe('non-finite loss', () => {
  it('stops within the step, names epoch/step/batch, leaves best.ckpt and weights untouched', async () => {
    const dir = tempDir();
    const model = tinyModel();
    const data = new FakeDataModule(); // 8 train batches, 4 val batches per epoch
    const cb = new SaveBest();
    // compute() calls: 8 train + 4 val in epoch 0, then batch 2 of epoch 1 (global step 10) is call 15
    const loss = nanLossAt(8 + 4 + 3);
    let weightsBefore: number[][] = [];
    const spy = new (class extends Callback {
      override onTrainBatchEnd(t: TrainerView, b: { batchIdx: number }) {
        if (t.epoch === 1 && b.batchIdx === 1) weightsBefore = weightsOf(model.net);
      }
    })();
    const trainer = new Trainer({ maxEpochs: 3 }, { runDir: dir });
    const best = join(dir, 'checkpoints', 'best.ckpt');
    let bestBytes: Buffer | undefined;
    const snap = new (class extends Callback {
      override onTrainEpochStart(t: TrainerView) {
        if (t.epoch === 1) bestBytes = readFileSync(best);
      }
    })();
    const err = await trainer
      .fit({ model, loss, optimizer: new Sgd({ lr: 0.1 }), data, callbacks: [cb, spy, snap] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect((err as Error).message).toMatch(/loss is NaN at epoch 1, step 10 \(batch 2\)/);
    expect(cb.errors).toEqual([err]);
    expect(readFileSync(best).equals(bestBytes!)).toBe(true);
    expectSameWeights(weightsOf(model.net), weightsBefore, 0);
  });
});

describe('out of memory', () => {
  it('halves the micro-batch, retries the same batch and matches the normal run', async () => {
    const sink = memorySink();
    const logger = new Logger({ sinks: [sink] });
    seedEverything(4);
    const a = tinyModel();
    const ref = tinyModel();
    ref.net.setWeights(a.net.getWeights());
    const loss = oomAbove(3);
    const before = tf.memory().numTensors;
    await new Trainer({ maxEpochs: 2 }, { logger }).fit({ model: a, loss, optimizer: new Sgd({ lr: 0.1, momentum: 0.9 }), data: new FakeDataModule() });
    await new Trainer({ maxEpochs: 2 }).fit({ model: ref, loss: crossEntropy, optimizer: new Sgd({ lr: 0.1, momentum: 0.9 }), data: new FakeDataModule() });
    // 8 → 4 → 2: two failures, then micro-batch 2 is kept for every later batch
    expect(loss.failures).toBe(2);
    const warns = sink.records.filter((r) => r.level === 'WARN').map((r) => r.message);
    expect(warns).toHaveLength(2);
    expect(warns[0]).toMatch(/out of memory at epoch 0, step 0 \(batch 0\) with micro-batch 8: retrying the same batch as micro-batches of 4/);
    expectSameWeights(weightsOf(a.net), weightsOf(ref.net), 1e-5);
    // the failed attempts leave nothing behind (slots: 2 models × 4 momentum buffers were created)
    expect(tf.memory().numTensors).toBe(before + 8);
  });

  it('fails with an error naming minBatchSize when the minimum still runs out of memory', async () => {
    const model = tinyModel();
    const err = await new Trainer({ maxEpochs: 1, minBatchSize: 4 })
      .fit({ model, loss: oomAbove(2), optimizer: new Sgd(), data: new FakeDataModule() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KilnError);
    expect((err as Error).message).toMatch(/even with micro-batch 4, the minimum \(trainer.minBatchSize=4\)/);
  });
});

describe('gradient clipping', () => {
  it('gradientClipNorm bounds the update of plain SGD', async () => {
    seedEverything(9);
    const model = tinyModel();
    const before = weightsOf(model.net);
    await new Trainer({ maxEpochs: 1, maxSteps: 1, gradientClipNorm: 0.01 }).fit({
      model,
      loss: crossEntropy,
      optimizer: new Sgd({ lr: 1 }),
      data: new FakeDataModule(),
    });
    const after = weightsOf(model.net);
    let sq = 0;
    after.forEach((w, i) => w.forEach((v, j) => (sq += (v - before[i][j]) ** 2)));
    expect(Math.sqrt(sq)).toBeLessThanOrEqual(0.01 + 1e-6);
    expect(Math.sqrt(sq)).toBeGreaterThan(0.009);
  });

  it('gradientClipVal bounds each element', async () => {
    seedEverything(9);
    const model = tinyModel();
    const before = weightsOf(model.net);
    await new Trainer({ maxEpochs: 1, maxSteps: 1, gradientClipVal: 0.001 }).fit({
      model,
      loss: crossEntropy,
      optimizer: new Sgd({ lr: 1 }),
      data: new FakeDataModule(),
    });
    const after = weightsOf(model.net);
    after.forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - before[i][j])).toBeLessThanOrEqual(0.001 + 1e-7)));
  });
});
