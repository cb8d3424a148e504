import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectSame, withGrads } from './__fixtures__/compare.js';
import { nativeReady } from './__fixtures__/setup.js';
import { nativeKernelStats } from './kernel-util.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
const cases: { x: number[]; k: number[]; s: number; pad: Pad; d?: number }[] = [
  { x: [1, 5, 5, 1], k: [3, 3, 1, 1], s: 1, pad: 'valid' },
  { x: [2, 8, 8, 3], k: [3, 3, 3, 2], s: 1, pad: 'same' },
  { x: [2, 9, 9, 4], k: [3, 3, 4, 1], s: 2, pad: 'same' },
  { x: [3, 7, 6, 8], k: [2, 3, 8, 3], s: 2, pad: 'valid' },
  { x: [2, 6, 6, 2], k: [3, 3, 2, 2], s: 1, pad: [[0, 0], [1, 0], [2, 1], [0, 0]] },
  { x: [2, 10, 10, 3], k: [3, 3, 3, 1], s: 1, pad: 'same', d: 2 },
];

describe.skipIf(!nativeReady)('DepthwiseConv2dNative (native vs cpu)', () => {
  for (const c of cases) {
    it(`forward + gradients x${c.x} k${c.k} s${c.s} ${JSON.stringify(c.pad)} d${c.d ?? 1}`, async () => {
      // tfjs has no gradient for dilated depthwise convs: forward only there.
      const f = (x: tf.Tensor, w: tf.Tensor) =>
        tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad, 'NHWC', c.d ?? 1);
      await expectSame([{ shape: c.x }, { shape: c.k }], c.d ? f : withGrads(f));
    });
  }

  it('FusedDepthwiseConv2D bias + relu with gradients', async () => {
    await expectSame([{ shape: [2, 8, 8, 4] }, { shape: [3, 3, 4, 2] }, { shape: [8] }], withGrads((x, w, b) =>
      tf.fused.depthwiseConv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' })));
  });

  it('ran natively', () => {
    const s = nativeKernelStats();
    for (const k of ['DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'FusedDepthwiseConv2D']) {
      expect(s[k]?.native ?? 0).toBeGreaterThan(0);
      expect(s[k]?.fallback ?? 0).toBe(0);
    }
  });
});
