import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectSame, withGrads } from './__fixtures__/compare.js';
import { nativeReady } from './__fixtures__/setup.js';
import { nativeKernelStats } from './kernel-util.js';

describe.skipIf(!nativeReady)('BatchMatMul / _FusedMatMul (native vs cpu)', () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    it(`2D matMul transposeA=${ta} transposeB=${tb} with gradients`, async () => {
      const a = ta ? [37, 13] : [13, 37], b = tb ? [21, 37] : [37, 21];
      await expectSame([{ shape: a }, { shape: b }], withGrads((x, y) => tf.matMul(x, y, ta, tb)));
    });
  }

  it('batched and broadcast batch', async () => {
    await expectSame([{ shape: [3, 5, 7] }, { shape: [3, 7, 4] }], withGrads((x, y) => tf.matMul(x, y)));
    await expectSame([{ shape: [2, 3, 5, 7] }, { shape: [7, 4] }], (x, y) => tf.matMul(x, y));
    await expectSame([{ shape: [1, 5, 7] }, { shape: [4, 7, 6] }], (x, y) => tf.matMul(x, y));
    await expectSame([{ shape: [2, 1, 5, 7] }, { shape: [1, 3, 7, 6] }], (x, y) => tf.matMul(x, y));
  });

  it('many small products (attention heads; one product per thread), every transpose, with gradients', async () => {
    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]]) {
      await expectSame([{ shape: ta ? [2, 6, 9, 8] : [2, 6, 8, 9] }, { shape: tb ? [2, 6, 7, 9] : [2, 6, 9, 7] }],
        withGrads((x, y) => tf.matMul(x, y, ta, tb)));
    }
  });

  it('large MLP-sized product', async () => {
    await expectSame([{ shape: [64, 784] }, { shape: [784, 512] }], withGrads((x, y) => tf.matMul(x, y)));
  });

  for (const activation of ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu'] as const) {
    it(`fused matMul bias + ${activation} with gradients`, async () => {
      await expectSame([{ shape: [16, 24] }, { shape: [24, 10] }, { shape: [10] }], withGrads((x, w, b) =>
        tf.fused.matMul({ a: x, b: w, bias: b, activation, leakyreluAlpha: 0.3 })));
    });
  }

  it('ran natively', () => {
    const s = nativeKernelStats();
    expect(s.BatchMatMul?.native ?? 0).toBeGreaterThan(0);
    expect(s._FusedMatMul?.native ?? 0).toBeGreaterThan(0);
    expect(s._FusedMatMul?.fallback ?? 0).toBe(0);
    expect(s.BatchMatMul?.fallback ?? 0).toBe(1); // the [2,1]x[1,3] broadcast
  });
});
