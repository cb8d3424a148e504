import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectSame, rand, runOn, withGrads } from './__fixtures__/compare.js';
import { nativeReady } from './__fixtures__/setup.js';
import { nativeKernelStats } from './kernel-util.js';

const cases: { x: number[]; f: [number, number]; s: [number, number]; pad: 'same' | 'valid' | number }[] = [
  { x: [2, 8, 8, 3], f: [2, 2], s: [2, 2], pad: 'valid' },
  { x: [2, 9, 9, 4], f: [3, 3], s: [2, 2], pad: 'same' },
  { x: [1, 7, 5, 2], f: [3, 2], s: [1, 2], pad: 'valid' },
  { x: [3, 6, 6, 5], f: [3, 3], s: [1, 1], pad: 'same' },
  { x: [2, 10, 10, 3], f: [2, 2], s: [3, 3], pad: 1 },
  // Windows that tile the input (maxPoolGrad's direct path): remainder rows/cols, truncated last window, 3x3/3.
  { x: [2, 9, 7, 5], f: [2, 2], s: [2, 2], pad: 'valid' },
  { x: [2, 9, 7, 17], f: [2, 2], s: [2, 2], pad: 'same' },
  { x: [1, 9, 9, 3], f: [3, 3], s: [3, 3], pad: 'valid' },
];

describe.skipIf(!nativeReady)('MaxPool / AvgPool (native vs cpu)', () => {
  for (const c of cases) {
    it(`maxPool + grad x${c.x} f${c.f} s${c.s} ${c.pad}`, async () => {
      await expectSame([{ shape: c.x }], withGrads((x) => tf.maxPool(x as tf.Tensor4D, c.f, c.s, c.pad)));
    });
    it(`avgPool + grad x${c.x} f${c.f} s${c.s} ${c.pad}`, async () => {
      await expectSame([{ shape: c.x }], withGrads((x) => tf.avgPool(x as tf.Tensor4D, c.f, c.s, c.pad)));
    });
  }

  it('maxPool ties after relu route to the first maximum', async () => {
    const data = rand(2 * 8 * 8 * 4, 5).map((v) => (v < 0.3 ? 0 : v));
    await expectSame([{ shape: [2, 8, 8, 4], data }], withGrads((x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')));
  });

  it('maxPool gradient with -Infinity and NaN inputs equals cpu exactly (tiled and overlapping windows)', async () => {
    // The first two rows of image 0 are all -Infinity (whole windows with no finite maximum: no gradient).
    const data = rand(2 * 8 * 8 * 4, 6).map((v, i) => (i < 2 * 8 * 4 || i % 7 === 0 ? -Infinity : i % 11 === 0 ? NaN : v));
    for (const [f, st, pad] of [[2, 2, 'valid'], [3, 1, 'same']] as const) {
      // Only dx is compared: the forward output holds -Infinity, which a relative error cannot compare.
      const dx = (x: tf.Tensor) => tf.grad((v: tf.Tensor) => tf.sum(tf.maxPool(v as tf.Tensor4D, f, st, pad)))(x);
      const [ref] = await runOn('cpu', [{ shape: [2, 8, 8, 4], data }], dx);
      const [got] = await runOn('native', [{ shape: [2, 8, 8, 4], data }], dx);
      expect(Array.from(got)).toEqual(Array.from(ref));
    }
  });

  it('ran natively', () => {
    const s = nativeKernelStats();
    for (const k of ['MaxPool', 'MaxPoolGrad', 'AvgPool', 'AvgPoolGrad']) {
      expect(s[k]?.native ?? 0).toBeGreaterThan(0);
      expect(s[k]?.fallback ?? 0).toBe(0);
    }
  });
});
