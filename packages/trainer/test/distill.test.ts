import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { restoreMathRandom, seedEverything } from '@kiln/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Callback, type CheckpointCallback, type LossExtras, type LossFn, type TrainerView } from '@kiln/contracts';
import { KdLoss } from '@kiln/losses';
import { Adam } from '../src/optimizers/adam';
import { restoreModelFromCheckpoint } from '../src/restore-model';
import { Trainer } from '../src/trainer';
import { crossEntropy, FakeDataModule, tinyModel } from './fake-data';
import { removeTempDirs, SaveLast, tempDir, weightsOf } from './helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => restoreMathRandom());
afterAll(() => removeTempDirs());

/** KdLoss that keeps a copy of the teacher logits of every training call. */
function capturing(loss: KdLoss): LossFn & { teacherLogits: Array<number[][] | undefined> } {
  return {
    teacher: loss.teacher,
    teacherLogits: [],
    compute(logits: tf.Tensor2D, targets: tf.Tensor1D | tf.Tensor2D, extras?: LossExtras) {
      if (extras?.record) this.teacherLogits.push(extras.teacherLogits?.arraySync());
      return loss.compute(logits, targets, extras);
    },
  };
}

const data = () => new FakeDataModule({ shuffle: false, trainSize: 32 });

/** A teacher run: a few epochs of the tiny net, saved as runDir/checkpoints/last.ckpt. */
async function teacherRun(): Promise<string> {
  const runDir = tempDir();
  const model = tinyModel({ dropout: 0.5 });
  await new Trainer({ maxEpochs: 3 }, { runDir }).fit({ model, loss: crossEntropy, optimizer: new Adam({ lr: 0.05 }), data: data(), callbacks: [new SaveLast()] });
  model.net.dispose();
  return runDir;
}

/** Stand-in for ModelCheckpoint: best.ckpt after every validation, reported like the real one. */
class SaveBest extends Callback implements CheckpointCallback {
  readonly writesCheckpoints = true as const;
  bestModelPath: string | undefined;
  lastModelPath: string | undefined;
  override async onValidationEnd(t: TrainerView): Promise<void> {
    const path = join(t.runDir!, 'checkpoints', 'best.ckpt');
    await t.saveCheckpoint(path);
    this.bestModelPath = path;
  }
}

describe('distillation teacher', () => {
  it('a run folder teacher is frozen (same logits every epoch, = the checkpoint in eval mode), never written, not in the optimizer', async () => {
    seedEverything(11);
    const runDir = await teacherRun();
    const file = join(runDir, 'checkpoints', 'last.ckpt');
    const hash = () => createHash('sha256').update(readFileSync(file)).digest('hex');
    const before = hash();
    const loss = capturing(new KdLoss({ teacher: runDir, temperature: 2, alpha: 0.5 }));
    const student = tinyModel();
    const optimizer = new Adam({ lr: 0.05 });
    const r = await new Trainer({ maxEpochs: 2 }).fit({ model: student, loss, optimizer, data: data() });
    expect(hash()).toBe(before);
    expect(r.metrics['train/kd_loss']).toBeGreaterThan(0);
    expect(r.metrics['train/ce_loss']).toBeGreaterThan(0);
    // 32 rows / batch 4 = 8 batches per epoch: batch 0 of epoch 1 sees the rows of batch 0 of epoch 0.
    const perEpoch = loss.teacherLogits.length / 2;
    expect(loss.teacherLogits[perEpoch]).toEqual(loss.teacherLogits[0]);
    // Eval mode (no dropout) and the saved weights: the restored checkpoint gives the same logits.
    const restored = await restoreModelFromCheckpoint(file);
    const probe = data();
    await probe.setup('fit');
    const first = (await probe.trainLoader()[Symbol.asyncIterator]().next()).value;
    const x = tf.tensor4d(first.images, first.shape);
    const expected = (restored.net.apply(x, { training: false }) as tf.Tensor).arraySync() as number[][];
    loss.teacherLogits[0]!.flat().forEach((v, i) => expect(v).toBeCloseTo(expected.flat()[i], 5));
    // Only the student's variables have optimizer state.
    const studentVars = new Set(student.net.trainableWeights.map((w) => w.val.name));
    const slotVars = new Set(Object.keys((await optimizer.stateDict()).slots).map((k) => k.split('#')[0]));
    expect([...slotVars].sort()).toEqual([...studentVars].sort());
    restored.net.dispose();
  });

  it('ema: the teacher is the student EMA; without trainer.ema a clear error', async () => {
    seedEverything(12);
    const loss = capturing(new KdLoss({ teacher: 'ema', alpha: 0.5 }));
    const r = await new Trainer({ maxEpochs: 1, ema: { decay: 0.9 } }).fit({ model: tinyModel(), loss, optimizer: new Adam({ lr: 0.05 }), data: data() });
    expect(r.metrics['train/kd_loss']).toBeGreaterThan(0);
    // Step 0: the EMA equals the initial student, so the teacher logits differ from later ones.
    expect(loss.teacherLogits[0]).toBeDefined();
    expect(loss.teacherLogits[1]).not.toEqual(loss.teacherLogits[0]);
    await expect(
      new Trainer({ maxEpochs: 1 }).fit({ model: tinyModel(), loss: new KdLoss({ teacher: 'ema' }), optimizer: new Adam({ lr: 0.05 }), data: data() }),
    ).rejects.toThrow(/'ema' needs trainer.ema/);
  });

  it('best: no teacher until a best checkpoint exists, then that checkpoint', async () => {
    seedEverything(13);
    const runDir = tempDir();
    const loss = capturing(new KdLoss({ teacher: 'best', alpha: 0.5 }));
    const student = tinyModel();
    await new Trainer({ maxEpochs: 2 }, { runDir }).fit({ model: student, loss, optimizer: new Adam({ lr: 0.05 }), data: data(), callbacks: [new SaveBest()] });
    const perEpoch = loss.teacherLogits.length / 2;
    expect(loss.teacherLogits.slice(0, perEpoch).every((t) => t === undefined)).toBe(true);
    expect(loss.teacherLogits.slice(perEpoch).every((t) => t !== undefined)).toBe(true);
    await expect(
      new Trainer({ maxEpochs: 1 }).fit({ model: tinyModel(), loss: new KdLoss({ teacher: 'best' }), optimizer: new Adam({ lr: 0.05 }), data: data() }),
    ).rejects.toThrow(/'best' needs a checkpoint callback/);
    void weightsOf;
  });

  it('a missing teacher path names what to give', async () => {
    await expect(
      new Trainer({ maxEpochs: 1 }).fit({ model: tinyModel(), loss: new KdLoss({ teacher: '/nonexistent/run' }), optimizer: new Adam({ lr: 0.05 }), data: data() }),
    ).rejects.toThrow(/no checkpoint at '\/nonexistent\/run'/);
  });
});
