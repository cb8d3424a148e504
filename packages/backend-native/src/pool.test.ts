import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectSame, rand, withGrads } from './__fixtures__/compare.js';
import { nativeReady } from './__fixtures__/setup.js';
import { nativeKernelStats } from './kernel-util.js';

const cases: { x: number[]; f: [number, number]; s: [number, number]; pad: 'same' | 'valid' | number }[] = [
  { x: [2, 8, 8, 3], f: [2, 2], s: [2, 2], pad: 'valid' },
  { x: [2, 9, 9, 4], f: [3, 3], s: [2, 2], pad: 'same' },
  { x: [1, 7, 5, 2], f: [3, 2], s: [1, 2], pad: 'valid' },
  { x: [3, 6, 6, 5], f: [3, 3], s: [1, 1], pad: 'same' },
  { x: [2, 10, 10, 3], f: [2, 2], s: [3, 3], pad: 1 },
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

  it('ran natively', () => {
    const s = nativeKernelStats();
    for (const k of ['MaxPool', 'MaxPoolGrad', 'AvgPool', 'AvgPoolGrad']) {
      expect(s[k]?.native ?? 0).toBeGreaterThan(0);
      expect(s[k]?.fallback ?? 0).toBe(0);
    }
  });
});
