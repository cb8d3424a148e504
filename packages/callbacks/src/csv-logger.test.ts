import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fakeTrainer, messages, tempRunDir, type FakeTrainer, type Driven, withEpochEnds } from './__fixtures__/fake-trainer';
import { CsvLogger, readMetricsCsv } from './csv-logger';

async function epochEnd(cb: Driven<CsvLogger>, t: FakeTrainer, steps: number, train: Record<string, number>, val: Record<string, number>) {
  for (let i = 0; i < steps; i++) {
    t.globalStep += 1;
    cb.onTrainBatchEnd(t, { batchIdx: i, batchSize: 4, loss: t.globalStep / 10 });
  }
  t.metrics = { ...t.metrics, ...train };
  await cb.onTrainEpochEnd(t, train);
  t.metrics = { ...t.metrics, ...val };
  await cb.onValidationEnd(t, val);
  t.epoch += 1;
}

const read = (runDir: string) => readFileSync(join(runDir, 'metrics.csv'), 'utf8');

describe('csv_logger', () => {
  it('writes one row per epoch with sorted metric columns, widening the header when a key appears', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir });
    const cb = withEpochEnds(new CsvLogger());
    cb.onFitStart(t);
    await epochEnd(cb, t, 5, { 'train/loss': 0.9, lr: 0.01 }, { 'val/loss': 1.1 });
    expect(read(runDir)).toBe('epoch,step,lr,train/loss,val/loss\n0,5,0.01,0.9,1.1\n');
    await epochEnd(cb, t, 5, { 'train/loss': 0.5, lr: 0.005 }, { 'val/loss': 0.7, 'val/accuracy': 0.75 });
    expect(read(runDir)).toBe(
      'epoch,step,lr,train/loss,val/accuracy,val/loss\n' + '0,5,0.01,0.9,,1.1\n' + '1,10,0.005,0.5,0.75,0.7\n',
    );
    await epochEnd(cb, t, 5, { 'train/loss': 0.4, lr: 0.005 }, { 'val/loss': NaN, 'val/accuracy': 0.8 });
    expect(read(runDir).split('\n')[3]).toBe('2,15,0.005,0.4,0.8,NaN');
  });

  it('adds step rows every logEveryNSteps', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir, learningRate: 0.1 });
    const cb = withEpochEnds(new CsvLogger({ logEveryNSteps: 2 }));
    cb.onFitStart(t);
    await epochEnd(cb, t, 4, { 'train/loss': 0.3 }, { 'val/loss': 0.2 });
    const { columns, rows } = readMetricsCsv(join(runDir, 'metrics.csv'));
    expect(columns).toEqual(['epoch', 'step', 'lr', 'train/loss', 'train/loss_step', 'val/loss']);
    expect(rows.map((r) => Object.fromEntries(r))).toEqual([
      { epoch: 0, step: 2, lr: 0.1, 'train/loss_step': 0.2 },
      { epoch: 0, step: 4, lr: 0.1, 'train/loss_step': 0.4 },
      { epoch: 0, step: 4, 'train/loss': 0.3, 'val/loss': 0.2 },
    ]);
  });

  it('writes epoch rows at train epoch end when there is no validation', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir, valBatchesPerEpoch: 0 });
    const cb = withEpochEnds(new CsvLogger());
    cb.onFitStart(t);
    t.globalStep = 3;
    await cb.onTrainEpochEnd(t, { 'train/loss': 2 });
    expect(read(runDir)).toBe('epoch,step,train/loss\n0,3,2\n');
  });

  it('continues the same file on resume, dropping rows past the resumed step', async () => {
    const runDir = tempRunDir();
    const t = fakeTrainer({ runDir });
    const first = withEpochEnds(new CsvLogger());
    first.onFitStart(t);
    for (let e = 0; e < 3; e++) await epochEnd(first, t, 5, { 'train/loss': 1 - e / 10 }, { 'val/loss': 2 - e / 10 });
    // The run crashed after epoch 2 but the last checkpoint was from epoch 1 (step 10).
    const resumedTrainer = fakeTrainer({ runDir, epoch: 2, globalStep: 10 });
    const resumed = withEpochEnds(new CsvLogger());
    resumed.onFitStart(resumedTrainer);
    expect(messages(resumedTrainer, 'INFO')[0]).toContain('dropped 1 rows after step 10');
    await epochEnd(resumed, resumedTrainer, 5, { 'train/loss': 0.75 }, { 'val/loss': 1.5 });
    expect(read(runDir)).toBe(
      'epoch,step,train/loss,val/loss\n' + '0,5,1,2\n' + '1,10,0.9,1.9\n' + '2,15,0.75,1.5\n',
    );
  });

  it('writes nothing without a run dir or off rank 0', async () => {
    const off = tempRunDir();
    for (const t of [fakeTrainer(), fakeTrainer({ runDir: off, isGlobalZero: false })]) {
      const cb = withEpochEnds(new CsvLogger());
      cb.onFitStart(t);
      await epochEnd(cb, t, 2, { 'train/loss': 1 }, { 'val/loss': 1 });
    }
    expect(existsSync(join(off, 'metrics.csv'))).toBe(false);
  });
});
