import { ImageProcessor } from '@kiln/processors';
import { describe, expect, it } from 'vitest';
import type { DataReport } from './check-data';
import type { CsvDataSpec } from './data-spec';
import { epochSteps, formatPlan } from './plan';
import type { Preflight } from './preflight';

function preflightOf(trainRows: number, valRows: number, over: Partial<CsvDataSpec> = {}): Preflight {
  const rows = (n: number) => ({ length: n, row: (i: number) => i + 1, path: (i: number) => `/d/${i}.png`, label: () => 'a' });
  const data: DataReport = {
    problems: [],
    classes: ['a'],
    csvs: [
      { role: 'train', path: '/d/train.csv', totalRows: trainRows + 1, kept: rows(trainRows), ids: new Int32Array(trainRows), dropped: [{ row: 99, path: '/d/x.png', reason: 'train.csv row 99: /d/x.png: image file not found' }] },
      { role: 'val', path: '/d/val.csv', totalRows: valRows, kept: rows(valRows), ids: new Int32Array(valRows), dropped: [] },
    ],
    decoded: { count: 3, of: 3, shape: [32, 32, 3] },
  };
  const spec = { batchSize: 16, dropLast: false, valSplit: null, trainCsv: '/d/train.csv', processor: new ImageProcessor({}), ...over } as CsvDataSpec;
  return { components: [{ path: 'model', target: 'mlp' }], spec, data };
}

describe('epochSteps', () => {
  it('batches per epoch follow batchSize, dropLast, limits, accumulation and fastDevRun like the trainer', () => {
    expect(epochSteps({ trainer: { maxEpochs: 3 } }, preflightOf(100, 20))).toMatchObject({ batchesPerEpoch: 7, valBatches: 2, optimizerStepsPerEpoch: 7, maxEpochs: 3 });
    expect(epochSteps({}, preflightOf(100, 20, { dropLast: true }))?.batchesPerEpoch).toBe(6);
    expect(epochSteps({ trainer: { limitTrainBatches: 0.5, accumulateGradBatches: 2 } }, preflightOf(100, 20))).toMatchObject({ batchesPerEpoch: 3, optimizerStepsPerEpoch: 2 });
    expect(epochSteps({ trainer: { fastDevRun: true, maxEpochs: 9 } }, preflightOf(100, 20))).toMatchObject({ batchesPerEpoch: 1, valBatches: 1, maxEpochs: 1 });
    expect(epochSteps({}, preflightOf(100, 0, { valSplit: 0.2 }))).toMatchObject({ trainRows: 80, valRows: 20, batchesPerEpoch: 5 });
  });
});

describe('formatPlan', () => {
  it('names components, rows, drops, steps, checkpoint files and the estimate', () => {
    const config = { run: { root: '/runs' }, trainer: { maxEpochs: 2, monitor: 'val/loss' }, callbacks: { ckpt: { _target_: 'model_checkpoint', saveTopK: 2 }, bar: { _target_: 'progress_bar' } } };
    const text = formatPlan(config, preflightOf(100, 20), '~1 s per epoch');
    expect(text).toMatch(/model\s+_target_: mlp/);
    expect(text).toMatch(/train \/d\/train\.csv: 101 rows, 100 kept, 1 dropped\n\s+dropped: train\.csv row 99/);
    expect(text).toMatch(/100 rows → 7 batches\/epoch \(batch 16\), 7 optimizer steps\/epoch/);
    expect(text).toMatch(/epochs: 2 → 14 optimizer steps/);
    expect(text).toMatch(/\/runs\/<YYYY-MM-DD>\/<HH-MM-SS>\/checkpoints\/ \(callbacks\.ckpt\): top 2 by val\/loss .*best\.ckpt; last\.ckpt/);
    expect(text).toMatch(/\/runs\/latest then points to it/);
    expect(text).toMatch(/time: ~1 s per epoch/);
    expect(formatPlan({ trainer: { devices: 2 } }, preflightOf(10, 2))).toMatch(/devices: 2 workers \(CPU\); each global batch of 16 is split/);
    expect(formatPlan({ trainer: { fastDevRun: true } }, preflightOf(10, 2))).toMatch(/none: trainer\.fastDevRun writes no files/);
    expect(text).not.toMatch(/profile\.json/);
    expect(formatPlan({ run: { root: '/runs' }, trainer: { profiler: 'simple' } }, preflightOf(10, 2))).toMatch(/<HH-MM-SS>\/profile\.txt, profile\.json \(trainer\.profiler=simple/);
  });
});
