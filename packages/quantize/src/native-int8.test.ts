import * as tf from '@tensorflow/tfjs';
import { MobileNetV2, ResNet, SimpleCnn, VitTiny } from '@kiln/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Int8Kernels } from './kernels';
import { nativeInt8Kernels } from './native-kernels';
import { quantizeModelInt8 } from './quantize-model';
import { referenceInt8Kernels } from './reference-kernels';

// The oneDNN kernels where this machine has the native addon with int8 (skipped, saying why, elsewhere).
let native: Int8Kernels | undefined;
let why = '';
let previous = '';
beforeAll(async () => {
  try {
    const b = await import('@kiln/backend-native');
    if (!b.registerNativeBackend()) throw new Error('native backend not registered');
    previous = tf.getBackend();
    await tf.setBackend('native');
    native = await nativeInt8Kernels();
  } catch (err) {
    why = (err as Error).message;
  }
});
afterAll(async () => {
  if (previous) await tf.setBackend(previous);
});

function randomizeBatchNorms(net: tf.LayersModel): void {
  let seed = 1;
  for (const l of net.layers) {
    if (l.getClassName() !== 'KilnBatchNorm') continue;
    const c = l.weights[0].shape[0]!;
    l.setWeights([tf.randomUniform([c], 0.5, 1.5, 'float32', seed++), tf.randomUniform([c], -0.3, 0.3, 'float32', seed++), tf.randomUniform([c], -0.2, 0.2, 'float32', seed++), tf.randomUniform([c], 0.5, 2, 'float32', seed++)]);
  }
}

const rel = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.reduce((s, v) => s + v * v, 0));

describe('native int8 kernels (oneDNN)', () => {
  const cases: [string, () => tf.LayersModel][] = [
    ['simple_cnn', () => new SimpleCnn({ numClasses: 5, inputShape: [16, 16, 3], channels: [8, 16], seed: 1 }).net],
    ['resnet', () => new ResNet({ numClasses: 5, inputShape: [16, 16, 3], widthMultiplier: 0.125, seed: 2 }).net],
    ['mobilenet_v2', () => new MobileNetV2({ numClasses: 5, inputShape: [16, 16, 3], widthMultiplier: 0.25, seed: 3 }).net],
    ['vit_tiny', () => new VitTiny({ numClasses: 5, inputShape: [16, 16, 3], dim: 16, depth: 2, heads: 2, seed: 4 }).net],
  ];
  for (const [name, make] of cases) {
    it(`${name}: native int8 logits match the fake-quant reference and stay close to fp32`, async (ctx) => {
      if (!native) return ctx.skip(`no native int8 kernels: ${why}`);
      const net = make();
      randomizeBatchNorms(net);
      const cal = [0, 1, 2].map((i) => ({ images: tf.tidy(() => tf.randomNormal([8, 16, 16, 3], 0, 1, 'float32', 7 + i).dataSync() as Float32Array), shape: [8, 16, 16, 3] }));
      const x = tf.randomNormal([16, 16, 16, 3], 0, 1, 'float32', 99);
      const out = () => tf.tidy(() => (net.predict(x) as tf.Tensor).dataSync() as Float32Array);
      const fp32 = out();
      const byKernels = async (kernels: Int8Kernels) => {
        const q = await quantizeModelInt8(net, { kernels, calibration: () => cal, batches: 3 });
        const before = tf.memory().numTensors;
        const y = out();
        expect(tf.memory().numTensors).toBe(before);
        q.restore();
        return y;
      };
      // The reference quantizes weights to the range the native kernels get on this CPU (7 bits
      // without VNNI, 8 with it: quantizeModelInt8 asks support()), so both round alike.
      const reference = referenceInt8Kernels();
      const { vnni, amx } = native.support();
      const ref = await byKernels({ ...reference, support: () => ({ ...reference.support(), vnni, amx }) });
      const nat = await byKernels(native);
      // Same rounding on both sides; what differs is the accumulation order (and int16 pair sums on AVX2).
      expect(rel(ref, nat)).toBeLessThan(0.02);
      expect(rel(fp32, nat)).toBeLessThan(0.08);
      expect(Array.from(out())).toEqual(Array.from(fp32));
      tf.dispose(x);
      net.dispose();
    });
  }
});
