import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectSame, withGrads } from './__fixtures__/compare.js';
import { nativeReady } from './__fixtures__/setup.js';
import { nativeKernelStats } from './kernel-util.js';

describe.skipIf(!nativeReady)('Tile, general broadcasting, FusedBatchNorm (native vs cpu)', () => {
  it('tile over several axes', async () => {
    await expectSame([{ shape: [1, 1, 1, 32] }], (x) => tf.tile(x, [8, 8, 8, 1]));
    await expectSame([{ shape: [3, 1, 5, 7] }], (x) => tf.tile(x, [2, 40, 1, 3]));
    await expectSame([{ shape: [64, 100] }], withGrads((x) => tf.tile(x, [2, 3])));
  });

  it('middle-axis and two-sided broadcasting', async () => {
    await expectSame([{ shape: [16, 1, 1, 32] }, { shape: [16, 8, 8, 32] }], withGrads((a, b) => tf.mul(a, b)));
    await expectSame([{ shape: [16, 8, 8, 32] }, { shape: [16, 1, 1, 32] }], (a, b) => tf.sub(a, b));
    await expectSame([{ shape: [64, 1, 128] }, { shape: [1, 96, 128] }], (a, b) => tf.add(a, b));
    await expectSame([{ shape: [64, 96, 1] }, { shape: [64, 1, 128] }], (a, b) => tf.div(a, b));
    await expectSame([{ shape: [64, 96, 1] }, { shape: [64, 96, 128] }], (a, b) => tf.maximum(a, b));
  });

  it('batchNorm with per-channel and scalar parameters, with gradients', async () => {
    const x = { shape: [8, 8, 8, 16] };
    await expectSame([x, { shape: [16] }, { shape: [16] }, { shape: [16] }, { shape: [16] }], withGrads((xx, m, v, o, s) =>
      tf.batchNorm(xx, m, tf.add(tf.abs(v), 0.5), o, s, 1e-3)));
    await expectSame([x, { shape: [16] }, { shape: [16] }], (xx, m, v) => tf.batchNorm(xx, m, tf.add(tf.abs(v), 0.5)));
    await expectSame([x, { shape: [1] }, { shape: [1] }], (xx, m, v) => tf.batchNorm(xx, m, tf.add(tf.abs(v), 0.5), undefined, undefined, 1e-5));
  });

  it('tfjs-layers BatchNormalization training step gradients', async () => {
    await expectSame([{ shape: [8, 6, 6, 12] }], (x) => {
      const layer = tf.layers.batchNormalization({ epsilon: 1e-3 });
      layer.build(x.shape);
      const f = (xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx, { training: true }) as tf.Tensor, tf.linspace(-1, 1, 12)));
      const { value, grads } = tf.variableGrads(() => f(x) as tf.Scalar, layer.trainableWeights.map((w) => w.read() as tf.Variable));
      return [value, tf.grad(f)(x), ...Object.values(grads)];
    });
  });

  it('ran natively', () => {
    const s = nativeKernelStats();
    for (const k of ['Tile', 'FusedBatchNorm']) expect(s[k]?.native ?? 0).toBeGreaterThan(0);
  });
});

describe.skipIf(!nativeReady)('fused Relu / FusedBatchNorm / Mean gradients', () => {
  it('relu gradient with zeros, negatives and NaN-free data', async () => {
    await expectSame([{ shape: [8, 16, 16, 8] }], withGrads((x) => tf.relu(x)));
  });

  it('batchNorm gradient w.r.t. all inputs, channel counts 24 and 128', async () => {
    const p = (n: number) => ({ shape: [n] });
    await expectSame([{ shape: [16, 12, 12, 24] }, p(24), p(24), p(24), p(24)], withGrads((x, m, v, o, s) =>
      tf.batchNorm(x, m, tf.add(tf.abs(v), 0.5), o, s, 1e-3)));
    // (tfjs's own gradient needs rank-4 x, per-channel statistics, offset and scale.)
    await expectSame([{ shape: [4, 8, 8, 128] }, p(128), p(128), p(128), p(128)], withGrads((x, m, v, o, s) =>
      tf.batchNorm(x, m, tf.add(tf.abs(v), 0.5), o, s, 1e-5)));
  });

  it('mean gradient over leading, middle and all axes', async () => {
    for (const axis of [[0, 1, 2], [1, 2], [3], undefined]) {
      await expectSame([{ shape: [8, 12, 12, 16] }], withGrads((x) => tf.mean(x, axis)));
      await expectSame([{ shape: [8, 12, 12, 16] }], withGrads((x) => tf.mean(x, axis, true)));
    }
  });

  it('ran the fused kernels', () => {
    const s = nativeKernelStats();
    expect(s.FusedBatchNorm?.native ?? 0).toBeGreaterThan(0);
  });
});
