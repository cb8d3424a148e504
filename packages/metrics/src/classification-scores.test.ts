import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Accuracy } from './accuracy';
import { F1Score, Precision, Recall } from './classification-scores';
import { ConfusionMatrix } from './confusion-matrix';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** One-hot-ish score rows whose argmax is `predictions[i]`. */
function scoresFor(predictions: number[], k: number): Float32Array {
  const out = new Float32Array(predictions.length * k);
  predictions.forEach((p, i) => {
    for (let c = 0; c < k; c++) out[i * k + c] = c === p ? 0.9 : 0.05 * (c + 1);
  });
  return out;
}

// Hand-worked fixture: confusion (rows = true) [[1,2,0],[0,1,1],[1,0,2]].
const TARGETS = [0, 0, 1, 1, 2, 2, 2, 0];
const PREDS = [0, 1, 1, 2, 2, 2, 0, 1];

function run<T extends { update: Accuracy['update'] }>(metric: T, targets = TARGETS, preds = PREDS, k = 3): T {
  metric.update(scoresFor(preds, k), Int32Array.from(targets), k);
  return metric;
}

describe('confusion matrix', () => {
  it('counts rows = true class, columns = predicted class', () => {
    expect(run(new ConfusionMatrix()).matrix()).toEqual([
      [1, 2, 0],
      [0, 1, 1],
      [1, 0, 2],
    ]);
    expect(run(new ConfusionMatrix()).compute()['0_1']).toBe(2);
  });
});

describe('precision / recall / f1', () => {
  it('macro-averages per-class values', () => {
    // precision = [1/2, 1/3, 2/3], recall = [1/3, 1/2, 2/3], f1 = [2/5, 2/5, 2/3]
    run(new Precision()).perClass().forEach((v, c) => expect(v).toBeCloseTo([0.5, 1 / 3, 2 / 3][c], 12));
    run(new Recall()).perClass().forEach((v, c) => expect(v).toBeCloseTo([1 / 3, 0.5, 2 / 3][c], 12));
    run(new F1Score()).perClass().forEach((v, c) => expect(v).toBeCloseTo([0.4, 0.4, 2 / 3][c], 12));
    expect(run(new Precision()).compute()).toBeCloseTo(0.5, 12);
    expect(run(new Recall()).compute()).toBeCloseTo(0.5, 12);
    expect(run(new F1Score()).compute()).toBeCloseTo((0.4 + 0.4 + 2 / 3) / 3, 12);
  });

  it('micro-averages to accuracy and weights by support', () => {
    expect(run(new F1Score({ average: 'micro' })).compute()).toBeCloseTo(0.5, 12);
    expect(run(new Precision({ average: 'micro' })).compute()).toBeCloseTo(0.5, 12);
    expect(run(new Accuracy()).compute()).toBeCloseTo(0.5, 12);
    // supports 3, 2, 3
    expect(run(new F1Score({ average: 'weighted' })).compute()).toBeCloseTo((0.4 * 3 + 0.4 * 2 + (2 / 3) * 3) / 8, 12);
    expect(run(new Precision({ average: 'weighted' })).compute()).toBeCloseTo((0.5 * 3 + (1 / 3) * 2 + (2 / 3) * 3) / 8, 12);
  });

  it('returns per-class values keyed by class id with average none', () => {
    const f1 = run(new F1Score({ average: 'none' }));
    expect(f1.name).toBe('f1_per_class');
    const v = f1.compute() as Record<string, number>;
    expect(Object.keys(v)).toEqual(['0', '1', '2']);
    expect(v['2']).toBeCloseTo(2 / 3, 12);
  });

  it('skips a class absent from targets and predictions in the macro average (sklearn)', () => {
    // Same data with 4 classes: class 3 never occurs, so macro over 4 equals macro over 3.
    const f1 = run(new F1Score(), TARGETS, PREDS, 4);
    expect(f1.compute()).toBeCloseTo((0.4 + 0.4 + 2 / 3) / 3, 12);
    expect(f1.perClass()[3]).toBe(0);
  });

  it('counts a class that is only predicted as 0 (zero_division = 0)', () => {
    // targets [0, 0], predictions [0, 1]: class 1 has a false positive, no support.
    const p = run(new Precision(), [0, 0], [0, 1], 2);
    expect(p.perClass()).toEqual([1, 0]);
    expect(p.compute()).toBeCloseTo(0.5, 12);
    const r = run(new Recall(), [0, 0], [0, 1], 2);
    expect(r.perClass()).toEqual([0.5, 0]);
    expect(r.compute()).toBeCloseTo(0.25, 12);
  });

  it('handles all-wrong and all-right batches', () => {
    for (const M of [Precision, Recall, F1Score]) {
      expect(run(new M(), [0, 1, 2], [1, 2, 0]).compute()).toBe(0);
      expect(run(new M(), [0, 1, 2, 2], [0, 1, 2, 2]).compute()).toBe(1);
      expect(run(new M({ average: 'weighted' }), [0, 1, 2, 2], [0, 1, 2, 2]).compute()).toBe(1);
    }
    expect(run(new Accuracy(), [0, 1, 2], [1, 2, 0]).compute()).toBe(0);
  });

  it('is 0 before any update', () => {
    expect(new F1Score().compute()).toBe(0);
    expect(new Accuracy().compute()).toBe(0);
  });

  it('streams: batch-by-batch updates and merged worker states equal one big update', () => {
    const whole = run(new F1Score({ average: 'weighted' }));
    const streamed = new F1Score({ average: 'weighted' });
    const worker = new F1Score({ average: 'weighted' });
    for (let i = 0; i < TARGETS.length; i += 3) {
      const m = i < 3 ? worker : streamed;
      run(m, TARGETS.slice(i, i + 3), PREDS.slice(i, i + 3));
    }
    streamed.merge(worker.state());
    expect(streamed.compute()).toBeCloseTo(whole.compute() as number, 14);
    // Additive: summing states element-wise gives the same counts.
    expect(streamed.state()).toEqual(whole.state());
    streamed.reset();
    expect(streamed.state()).toEqual(new Array(9).fill(0));
  });

  it('accepts tensors and refuses out-of-range labels', () => {
    const m = new Accuracy();
    tf.tidy(() => m.update(tf.tensor2d([[0.1, 0.9], [2, 1]]), tf.tensor1d([1, 1], 'int32')));
    expect(m.compute()).toBe(0.5);
    expect(() => m.update(new Float32Array([0.1, 0.9]), Int32Array.from([2]), 2)).toThrow(/target 0 is class 2, outside \[0, 2\)/);
    expect(() => m.update(new Float32Array(5), Int32Array.from([0, 1]), 2)).toThrow(/5 scores/);
  });

  it('refuses a change of class count', () => {
    const m = run(new F1Score());
    expect(() => run(m, [0], [0], 4)).toThrow(/4 classes after 3/);
  });
});
