import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callHook, type Callback } from '@kiln/contracts';
import { fakeTrainer, messages, tempRunDir, type FakeTrainer, withEpochEnds } from './__fixtures__/fake-trainer';
import { CsvLogger } from './csv-logger';
import { EarlyStopping } from './early-stopping';
import { freshMetrics } from './epoch-end';
import { ModelCheckpoint } from './model-checkpoint';

/** A fit where validation runs every `valEvery` epochs (and on the last), like the trainer's loop. */
async function fit(callbacks: Callback[], t: FakeTrainer, epochs: number, valEvery: number, acc: (e: number) => number) {
  await callHook(callbacks, 'onFitStart', t);
  for (let e = 0; e < epochs; e++) {
    t.epoch = e;
    t.metrics = { ...t.metrics, lr: 0.1, epoch: e };
    await callHook(callbacks, 'onTrainEpochStart', t);
    t.globalStep += 10;
    t.metrics = { ...t.metrics, 'train/loss': 1 / (e + 1), step: t.globalStep };
    await callHook(callbacks, 'onTrainEpochEnd', t, { 'train/loss': 1 / (e + 1) });
    if ((e + 1) % valEvery === 0 || e === epochs - 1) {
      const val = { 'val/accuracy': acc(e) };
      t.metrics = { ...t.metrics, ...val };
      await callHook(callbacks, 'onValidationEnd', t, val);
    }
    if (t.shouldStop) break;
  }
  await callHook(callbacks, 'onFitEnd', t);
}

describe('epoch completion', () => {
  it('drops counters and stale val/* values from the trainer metrics', () => {
    const t = fakeTrainer({ metrics: { epoch: 3, step: 40, lr: 0.1, 'train/loss': 1, 'val/loss': 2 } });
    expect(freshMetrics(t)).toEqual({ lr: 0.1, 'train/loss': 1 });
  });

  it('with validation every 2nd epoch: last.ckpt and CSV rows every epoch, ranking only validated epochs', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir });
    const ckpt = withEpochEnds(new ModelCheckpoint({ saveTopK: -1 }));
    const csv = withEpochEnds(new CsvLogger());
    const saves: string[] = [];
    const save = t.saveCheckpoint;
    t.saveCheckpoint = async (path) => {
      saves.push(`${t.epoch}:${path.slice(path.lastIndexOf('/') + 1)}`);
      await save(path);
    };
    await fit([ckpt, csv], t, 3, 2, (e) => 0.5 + e / 10);

    expect(ckpt.topKCheckpoints.map((r) => r.epoch)).toEqual([2, 1]);
    // Epoch 0 had no validation: its last.ckpt is written when epoch 1 starts.
    expect(saves).toEqual([
      '1:last.ckpt',
      '1:epoch=001-val_accuracy=0.6000.ckpt',
      '1:best.ckpt',
      '1:last.ckpt',
      '2:epoch=002-val_accuracy=0.7000.ckpt',
      '2:best.ckpt',
      '2:last.ckpt',
    ]);
    expect(messages(t, 'WARN')).toEqual([]);
    expect(readFileSync(join(runDir, 'metrics.csv'), 'utf8')).toBe(
      'epoch,step,lr,train/loss,val/accuracy\n' + '0,10,0.1,1,\n' + '1,20,0.1,0.5,0.6\n' + '2,30,0.1,0.3333333333333333,0.7\n',
    );
    expect(readdirSync(join(runDir, 'checkpoints'))).toHaveLength(4);
  });

  it('writes a last epoch that ended without validation at fit end', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir });
    const csv = withEpochEnds(new CsvLogger());
    await callHook([csv], 'onFitStart', t);
    t.globalStep = 5;
    await csv.onTrainEpochEnd(t, { 'train/loss': 1 });
    expect(() => readFileSync(join(runDir, 'metrics.csv'))).toThrow();
    await csv.onFitEnd(t);
    expect(readFileSync(join(runDir, 'metrics.csv'), 'utf8')).toBe('epoch,step,train/loss\n0,5,1\n');
  });

  it('early stopping counts validations for a val/* monitor and epochs for a train/* monitor', async () => {
    const byVal = new EarlyStopping({ monitor: 'val/accuracy', mode: 'max', patience: 1 });
    const t = fakeTrainer();
    await fit([byVal], t, 10, 2, () => 0.5); // never improves after the first validation (epoch 1)
    expect(t.shouldStop).toBe(true);
    expect(byVal.stoppedEpoch).toBe(3);

    const byTrain = new EarlyStopping({ monitor: 'train/loss', patience: 1 });
    const t2 = fakeTrainer();
    t2.metrics = {};
    const flat = [byTrain];
    await callHook(flat, 'onTrainEpochEnd', t2, { 'train/loss': 1 });
    t2.epoch = 1;
    await callHook(flat, 'onTrainEpochEnd', t2, { 'train/loss': 1 });
    expect(t2.shouldStop).toBe(true);
    expect(byTrain.stoppedEpoch).toBe(1);
  });
});
