import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectSame, rand, withGrads } from './__fixtures__/compare.js';
import { nativeReady } from './__fixtures__/setup.js';
import { nativeKernelStats, resetNativeKernelStats } from './kernel-util.js';

const shape = [6, 10, 12];
const wide = (seed: number) => rand(720, seed).map((v) => v * 8);

describe.skipIf(!nativeReady)('activations, softmax and reductions with single-pass gradients (native vs cpu)', () => {
  const ops: [string, (x: tf.Tensor) => tf.Tensor][] = [
    ['relu6', tf.relu6], ['clipByValue', (x) => tf.clipByValue(x, -2, 3)], ['erf', tf.erf], ['sigmoid', tf.sigmoid],
    ['tanh', tf.tanh], ['leakyRelu', (x) => tf.leakyRelu(x, 0.1)], ['elu', tf.elu], ['floor', tf.floor],
    ['softplus', tf.softplus], ['reciprocal', (x) => tf.reciprocal(tf.add(tf.abs(x), 1))], ['sign', tf.sign],
    ['round', tf.round], ['log1p', (x) => tf.log1p(tf.abs(x))], ['expm1', (x) => tf.expm1(tf.div(x, 4))],
  ];
  for (const [name, op] of ops) {
    it(`${name} with gradient`, async () => {
      await expectSame([{ shape, data: wide(3) }], withGrads(op), 2e-5);
    });
  }

  it('tfjs-layers ReLU(maxValue 6) = relu + clipByValue, with gradient', async () => {
    await expectSame([{ shape, data: wide(5) }], withGrads((x) => tf.layers.reLU({ maxValue: 6 }).apply(x) as tf.Tensor));
  });

  it('softmax and logSoftmax over the last axis with gradients', async () => {
    await expectSame([{ shape, data: wide(7) }], withGrads((x) => tf.softmax(x)), 2e-5);
    await expectSame([{ shape: [64, 6], data: rand(384, 8).map((v) => v * 30) }], withGrads((x) => tf.logSoftmax(x)), 2e-5);
  });

  it('sum/mean/max/min/prod over any axes; argMax/argMin', async () => {
    for (const axis of [[0, 2], [0], [1], [2], [0, 1, 2], [1, 2]]) {
      await expectSame([{ shape }], (x) => [tf.sum(x, axis), tf.mean(x, axis, true), tf.max(x, axis), tf.min(x, axis)], 2e-5);
      await expectSame([{ shape: [3, 4, 5] }], (x) => tf.prod(tf.add(x, 1.5), axis), 2e-5);
    }
    await expectSame([{ shape: [2, 3, 4, 5] }], withGrads((x) => tf.sum(x, [0, 2])));
    for (const axis of [0, 1, 2]) {
      await expectSame([{ shape }], (x) => [tf.cast(tf.argMax(x, axis), 'float32'), tf.cast(tf.argMin(x, axis), 'float32')]);
    }
  });

  it('tfjs-layers LayerNormalization (tiled parameters) forward and gradients', async () => {
    await expectSame([{ shape: [4, 16, 24] }], (x) => {
      const layer = tf.layers.layerNormalization({ epsilon: 1e-5 });
      layer.build(x.shape);
      const wts = layer.trainableWeights.map((w) => w.read() as tf.Variable);
      const g = tf.linspace(-1, 1, 24);
      const fn = (xx: tf.Tensor) => tf.sum(tf.mul(layer.apply(xx) as tf.Tensor, g));
      const { value, grads } = tf.variableGrads(() => fn(x) as tf.Scalar, wts);
      return [value, tf.grad(fn)(x), ...Object.values(grads)];
    }, 2e-4);
  });

  it('ran natively, gradients included', async () => {
    resetNativeKernelStats();
    await tf.setBackend('native');
    tf.tidy(() => {
      const x = tf.randomNormal(shape);
      tf.grad((v: tf.Tensor) => tf.sum(tf.add(tf.add(tf.relu6(v), tf.erf(v)), tf.add(tf.softmax(v), tf.clipByValue(v, 0, 1)))))(x);
      tf.grad((v: tf.Tensor) => tf.sum(tf.tile(v, [2, 1, 3])))(x);
    });
    const s = nativeKernelStats();
    for (const k of ['Relu6', 'Erf', 'Softmax', 'ClipByValue', 'Tile', 'KilnUnaryGrad', 'KilnSoftmaxGrad', 'KilnTileGrad']) {
      expect(s[k]?.native ?? 0, k).toBeGreaterThan(0);
    }
    expect(Object.entries(s).filter(([, v]) => v.fallback > 0)).toEqual([]);
  });
});
