import { describe, expect, it } from 'vitest';
import { createRegistries } from '@kiln/core';
import { Accuracy } from './accuracy';
import { register } from './register';
import { TopKAccuracy } from './top-k-accuracy';

const SCORES = Float32Array.from([
  // row 0: ranking 2 > 0 > 1 > 3
  0.3, 0.2, 0.4, 0.1,
  // row 1: ranking 1 > 3 > 0 > 2
  0.2, 0.5, 0.1, 0.3,
  // row 2: ranking 0 > 1 > 2 > 3
  0.7, 0.15, 0.1, 0.05,
]);

describe('accuracy', () => {
  it('counts argmax hits and merges exactly', () => {
    const a = new Accuracy();
    a.update(SCORES, Int32Array.from([2, 3, 0]), 4);
    expect(a.compute()).toBeCloseTo(2 / 3, 12);
    expect(a.state()).toEqual([2, 3]);
    const b = new Accuracy();
    b.update(SCORES.subarray(0, 4), Int32Array.from([1]), 4);
    a.merge(b.state());
    expect(a.compute()).toBe(0.5);
  });
});

describe('top_k_accuracy', () => {
  it('counts targets ranked within k', () => {
    // targets' ranks: row0 class 1 → rank 3, row1 class 3 → rank 2, row2 class 3 → rank 4
    const targets = Int32Array.from([1, 3, 3]);
    const expected = { 1: 0, 2: 1 / 3, 3: 2 / 3, 4: 1 };
    for (const [k, v] of Object.entries(expected)) {
      const m = new TopKAccuracy({ k: Number(k) });
      m.update(SCORES, targets, 4);
      expect(m.compute(), `k=${k}`).toBeCloseTo(v, 12);
    }
  });

  it('is named top<k>_accuracy', () => {
    expect(new TopKAccuracy().name).toBe('top5_accuracy');
    expect(new TopKAccuracy({ k: 3 }).name).toBe('top3_accuracy');
  });

  it('treats a tie with the k-th score as a hit', () => {
    const m = new TopKAccuracy({ k: 1 });
    m.update(Float32Array.from([0.5, 0.5]), Int32Array.from([1]), 2);
    expect(m.compute()).toBe(1);
  });
});

describe('register', () => {
  it('registers every metric', () => {
    const r = createRegistries(register);
    expect(r.metrics.names()).toEqual(['accuracy', 'auroc', 'confusion_matrix', 'f1', 'precision', 'recall', 'top_k_accuracy']);
  });
});
