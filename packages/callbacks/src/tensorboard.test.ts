import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readEventFile } from './__fixtures__/event-reader';
import { fakeTrainer, tempRunDir, withEpochEnds } from './__fixtures__/fake-trainer';
import { TensorBoardLogger } from './tensorboard';

describe('tensorboard', () => {
  it('writes step and epoch scalars that read back with the right tags, steps and values', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir, learningRate: 0.5 });
    const cb = withEpochEnds(new TensorBoardLogger({ logEveryNSteps: 2 }, {}, { now: () => 1_700_000_000_000, hostname: 'box' }));
    cb.onFitStart(t);
    expect(cb.path).toBe(join(runDir, 'tensorboard', 'events.out.tfevents.1700000000.box'));
    for (let epoch = 0; epoch < 2; epoch++) {
      t.epoch = epoch;
      for (let i = 0; i < 3; i++) {
        t.globalStep += 1;
        cb.onTrainBatchEnd(t, { batchIdx: i, batchSize: 4, loss: t.globalStep * 0.25 });
      }
      t.metrics = { 'train/loss': 1 + epoch, lr: 0.5 };
      await cb.onTrainEpochEnd(t, { 'train/loss': 1 + epoch });
      await cb.onValidationEnd(t, { 'val/accuracy': 0.25 * (epoch + 1) });
    }
    await cb.onFitEnd(t);

    const events = readEventFile(join(runDir, 'tensorboard', 'events.out.tfevents.1700000000.box'));
    expect(events[0]).toMatchObject({ step: 0, fileVersion: 'brain.Event:2', wallTime: 1_700_000_000 });
    const scalars = events.slice(1).flatMap((e) => e.values.map((v) => `${e.step} ${v.tag}=${v.simpleValue}`));
    expect(scalars).toEqual([
      '2 train/loss=0.5',
      '2 lr=0.5',
      '3 lr=0.5',
      '3 train/loss_epoch=1',
      '3 val/accuracy=0.25',
      '3 epoch=0',
      '4 train/loss=1',
      '4 lr=0.5',
      '6 train/loss=1.5',
      '6 lr=0.5',
      '6 lr=0.5',
      '6 train/loss_epoch=2',
      '6 val/accuracy=0.5',
      '6 epoch=1',
    ]);
  });

  it('writes epoch scalars under their own names when step logging is off, and closes on exception', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir, valBatchesPerEpoch: 0 });
    const cb = withEpochEnds(new TensorBoardLogger({ logEveryNSteps: 0 }));
    cb.onFitStart(t);
    t.globalStep = 7;
    const path = cb.path!;
    cb.onTrainBatchEnd(t, { batchIdx: 0, batchSize: 1, loss: 9 });
    t.metrics = { 'train/loss': 0.125 };
    await cb.onTrainEpochEnd(t, { 'train/loss': 0.125 });
    cb.onException(t, new Error('stop'));
    expect(cb.path).toBeUndefined();
    const events = readEventFile(path);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ step: 7, values: [{ tag: 'train/loss', simpleValue: 0.125 }, { tag: 'epoch', simpleValue: 0 }] });
  });

  it('starts a resumed run with a SessionLog START at the resumed step', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir, globalStep: 40 });
    const cb = withEpochEnds(new TensorBoardLogger({}, {}, { now: () => 2_000_000, hostname: 'h' }));
    cb.onFitStart(t);
    await cb.onFitEnd(t);
    const events = readEventFile(join(runDir, 'tensorboard', 'events.out.tfevents.2000.h'));
    expect(events.map((e) => [e.step, e.fileVersion, e.sessionStatus])).toEqual([
      [0, 'brain.Event:2', undefined],
      [40, undefined, 1],
    ]);
  });

  it('writes nothing without a run dir or off rank 0', async () => {
    const runDir = tempRunDir();
    for (const t of [fakeTrainer(), fakeTrainer({ runDir, isGlobalZero: false })]) {
      const cb = withEpochEnds(new TensorBoardLogger());
      cb.onFitStart(t);
      cb.onTrainBatchEnd(t, { batchIdx: 0, batchSize: 1, loss: 1 });
      await cb.onValidationEnd(t, { 'val/loss': 1 });
      await cb.onFitEnd(t);
      expect(cb.path).toBeUndefined();
    }
    expect(existsSync(join(runDir, 'tensorboard'))).toBe(false);
    expect(readdirSync(runDir)).toEqual([]);
  });
});
