import * as tf from '@tensorflow/tfjs';
import { BatchNorm, MobileNetV2, ResNet, SimpleCnn, VitTiny } from '@kiln/models';
import { describe, expect, it } from 'vitest';
import { attentionWeights, attentionWith } from './attention';
import { calibrateInt8, type ImageBatch } from './calibrate';
import { QuantizeError } from './errors';
import { opWeights } from './fold';
import { planInt8 } from './plan';
import { quantizeModelInt8 } from './quantize-model';
import { referenceInt8Kernels } from './reference-kernels';

/** Gives every batch norm non-trivial statistics and affine weights (fresh ones are the identity). */
function randomizeBatchNorms(net: tf.LayersModel, seed = 1): void {
  for (const l of net.layers) {
    if (l.getClassName() !== 'KilnBatchNorm') continue;
    const c = l.weights[0].shape[0]!;
    l.setWeights([
      tf.randomUniform([c], 0.5, 1.5, 'float32', seed++),
      tf.randomUniform([c], -0.3, 0.3, 'float32', seed++),
      tf.randomUniform([c], -0.2, 0.2, 'float32', seed++),
      tf.randomUniform([c], 0.5, 2, 'float32', seed++),
    ]);
  }
}

function batches(shape: [number, number, number], n: number, size: number, seed = 7): ImageBatch[] {
  return Array.from({ length: n }, (_, i) => ({ images: tf.tidy(() => tf.randomNormal([size, ...shape], 0, 1, 'float32', seed + i).dataSync() as Float32Array), shape: [size, ...shape] }));
}

const logits = (net: tf.LayersModel, b: ImageBatch) => tf.tidy(() => (net.predict(tf.tensor(b.images, b.shape as number[])) as tf.Tensor).dataSync() as Float32Array);

function relError(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += a[i] ** 2;
  }
  return Math.sqrt(num / den);
}

describe('batch norm folding', () => {
  it('conv with the folded weights equals conv → BN in fp32', () => {
    const input = tf.input({ shape: [7, 7, 3] });
    const c = tf.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', useBias: true, name: 'c' }).apply(input) as tf.SymbolicTensor;
    const out = new BatchNorm({ name: 'bn', epsilon: 1e-5 }).apply(c) as tf.SymbolicTensor;
    const net = tf.model({ inputs: input, outputs: out });
    randomizeBatchNorms(net);
    net.getLayer('c').setWeights([tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 3), tf.randomNormal([5], 0, 1, 'float32', 4)]);
    const [op] = planInt8(net).ops;
    expect(op.batchNorm).toBe('bn');
    const w = opWeights(net, op);
    const x = tf.randomNormal([2, 7, 7, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const folded = tf.add(tf.conv2d(x, tf.tensor4d(w.data, [3, 3, 3, 5]), 2, 'same'), tf.tensor1d(w.bias!));
    const ref = net.predict(x) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(folded, ref))).dataSync()[0]).toBeLessThan(1e-4);
    expect(tf.max(tf.abs(ref)).dataSync()[0]).toBeGreaterThan(0.5); // not trivially zero
    net.dispose();
  });
});

describe('attention outside the layer', () => {
  it('the forward-only attention maths equals KilnMultiHeadAttention in fp32', () => {
    const net = new VitTiny({ numClasses: 3, inputShape: [8, 8, 3], dim: 8, depth: 1, heads: 2, seed: 4 }).net;
    const layer = net.getLayer('block1_attn');
    const a = attentionWeights(layer);
    const x = tf.randomNormal([3, 4, 8], 0, 1, 'float32', 1);
    const mm = (w: Float32Array, b: Float32Array, n: number) => (x2: tf.Tensor2D) => tf.add(tf.matMul(x2, tf.tensor2d(w, [a.dim, n])), tf.tensor1d(b));
    const ours = attentionWith(x, a.dim, a.heads, mm(a.wqkv, a.bqkv, 3 * a.dim), mm(a.wo, a.bo, a.dim));
    const theirs = layer.apply(x) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(theirs)).dataSync()[0]).toBeGreaterThan(0.05);
    net.dispose();
  });
});

describe('int8 forward (reference kernels)', () => {
  const cases: [string, () => tf.LayersModel, number][] = [
    ['simple_cnn', () => new SimpleCnn({ numClasses: 5, inputShape: [16, 16, 3], channels: [8, 16], seed: 1 }).net, 0.08],
    ['resnet', () => new ResNet({ numClasses: 5, inputShape: [16, 16, 3], widthMultiplier: 0.125, seed: 2 }).net, 0.08],
    ['mobilenet_v2', () => new MobileNetV2({ numClasses: 5, inputShape: [16, 16, 3], widthMultiplier: 0.25, seed: 3 }).net, 0.08],
    ['vit_tiny', () => new VitTiny({ numClasses: 5, inputShape: [16, 16, 3], dim: 16, depth: 2, heads: 2, seed: 4 }).net, 0.08],
  ];
  for (const [name, make, bound] of cases) {
    it(`${name}: logits within ${bound} relative error of fp32, fp32 back after restore, no leaked tensors`, async () => {
      const net = make();
      randomizeBatchNorms(net);
      const cal = batches([16, 16, 3], 3, 8);
      const test = batches([16, 16, 3], 1, 16, 99)[0];
      const fp32 = logits(net, test);
      const q = await quantizeModelInt8(net, { kernels: referenceInt8Kernels(), calibration: () => cal, batches: 3 });
      expect(q.calibration.batches).toBe(3);
      const before = tf.memory().numTensors;
      const int8 = logits(net, test);
      expect(tf.memory().numTensors).toBe(before);
      const err = relError(fp32, int8);
      expect(err).toBeGreaterThan(0); // it did run quantized
      expect(err).toBeLessThan(bound);
      q.restore();
      expect(Array.from(logits(net, test))).toEqual(Array.from(fp32));
      net.dispose();
    });
  }

  it('an empty calibration split is an error', async () => {
    const net = new SimpleCnn({ numClasses: 2, inputShape: [8, 8, 3], channels: [4] }).net;
    await expect(calibrateInt8(net, planInt8(net), [])).rejects.toThrow(QuantizeError);
    await expect(calibrateInt8(net, planInt8(net), [])).rejects.toThrow(/calibration split gave no batches/);
    // the layers are back to fp32 after the failure
    expect(Object.prototype.hasOwnProperty.call(net.getLayer('block1_conv1'), 'call')).toBe(false);
    net.dispose();
  });

  it('summary names the int8 and fp32 layers', async () => {
    const net = new VitTiny({ numClasses: 3, inputShape: [8, 8, 3], dim: 8, depth: 1, heads: 2, seed: 4 }).net;
    const q = await quantizeModelInt8(net, { kernels: referenceInt8Kernels(), calibration: () => batches([8, 8, 3], 1, 4), batches: 1 });
    expect(q.weightBits).toBe(7);
    expect(q.summary).toMatch(/^int8: 6 layers int8 \(isa reference \(fp32 fake-quant\), 7-bit weights; 0 batch norms folded, 0 ReLUs fused\), 5 stay fp32: block1_norm1, block1_norm2, final_norm \(/);
    expect(q.summary).toContain('block1_attn scores (attention scores');
    expect(q.summary).toContain('block1_norm1, block1_norm2, final_norm (normalisation');
    expect(Object.keys(q.calibration.ranges)).toEqual(expect.arrayContaining(['block1_attn:qkv', 'block1_attn:out']));
    q.restore();
    net.dispose();
  });
});
