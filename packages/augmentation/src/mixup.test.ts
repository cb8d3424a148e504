import { DataError, Rng } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { sampleBeta } from './beta';
import { MixUp } from './mixup';
import { oneHot } from './one-hot';

function batchOf(n: number, h: number, w: number, c: number, labels: number[], numClasses: number) {
  const images = new Float32Array(n * h * w * c);
  for (let i = 0; i < images.length; i++) images[i] = ((i * 37) % 101) / 100;
  return { images, shape: [n, h, w, c] as [number, number, number, number], targets: oneHot(labels, numClasses), numClasses };
}

describe('MixUp', () => {
  it('mixes image i with image i − 1 and its targets with the same λ drawn from the rng', () => {
    const batch = batchOf(3, 4, 4, 3, [0, 1, 2], 4);
    const before = batch.images.slice();
    const out = new MixUp({ alpha: 0.4 }).applyBatch(batch, new Rng(9));
    // λ independently: the same stream draws p's coin, then Beta(0.4, 0.4).
    const replay = new Rng(9);
    replay.next();
    const lambda = sampleBeta(0.4, 0.4, replay);
    expect(out.lambda).toBe(lambda);
    expect(lambda).toBeGreaterThan(0);
    expect(lambda).toBeLessThan(1);
    const size = 4 * 4 * 3;
    for (let i = 0; i < 3; i++) {
      const j = (i + 2) % 3;
      for (let k = 0; k < size; k++) {
        expect(out.images[i * size + k]).toBeCloseTo(lambda * before[i * size + k] + (1 - lambda) * before[j * size + k], 6);
      }
      const row = Array.from(out.targets.subarray(i * 4, i * 4 + 4));
      const expected = [0, 0, 0, 0];
      expected[i] += lambda;
      expected[j] += 1 - lambda;
      row.forEach((v, k) => expect(v).toBeCloseTo(expected[k], 6));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
    expect(batch.images).toEqual(before);
  });

  it('same class pairs keep a hard target (grayscale batch)', () => {
    const batch = batchOf(2, 2, 2, 1, [1, 1], 2);
    const out = new MixUp().applyBatch(batch, new Rng(1));
    expect(Array.from(out.targets)).toEqual([0, 1, 0, 1]);
  });

  it('same seed → same output; different seeds → different λ', () => {
    const batch = batchOf(4, 4, 4, 1, [0, 1, 0, 1], 2);
    const t = new MixUp();
    const a = t.applyBatch(batch, new Rng(3));
    expect(t.applyBatch(batch, new Rng(3)).images).toEqual(a.images);
    expect(t.applyBatch(batch, new Rng(4)).lambda).not.toBe(a.lambda);
  });

  it('p = 0 returns copies unchanged', () => {
    const batch = batchOf(2, 2, 2, 3, [0, 1], 2);
    const out = new MixUp({ p: 0 }).applyBatch(batch, new Rng(1));
    expect(out.images).toEqual(batch.images);
    expect(out.targets).toEqual(batch.targets);
    expect(out.images).not.toBe(batch.images);
    expect(out.lambda).toBe(1);
  });

  it('rejects mismatched buffers and bad options', () => {
    const batch = batchOf(2, 2, 2, 1, [0, 1], 2);
    expect(() => new MixUp().applyBatch({ ...batch, numClasses: 3 }, new Rng(1))).toThrow(DataError);
    expect(() => new MixUp().applyBatch({ ...batch, shape: [3, 2, 2, 1] }, new Rng(1))).toThrow(/images has 8 values/);
    expect(() => new MixUp({ alpha: 0 })).toThrow();
    expect(() => new MixUp({ lambda: 0.5 } as never)).toThrow(/lambda/);
  });
});
