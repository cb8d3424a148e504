import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { toOnnx } from '../src/onnx/to-onnx';
import { onnxConverterClasses } from '../src/onnx/converters';
import { maxAbsDiff, perturbWeights, randomBatch } from './helpers';

type Sym = tf.SymbolicTensor;
const L = tf.layers;

/** Runs the ONNX export of `net` and tfjs on the same batch; returns the max abs difference. */
async function compare(net: tf.LayersModel, n = 2, opts: Parameters<typeof toOnnx>[1] = {}): Promise<number> {
  perturbWeights(net, 5);
  const shape = net.inputs[0].shape.slice(1) as number[];
  const input = randomBatch(n, 17, shape as [number, number, number]);
  const expected = tf.tidy(() => {
    const y = net.predict(tf.tensor(input, [n, ...shape])) as tf.Tensor;
    return (opts.softmax ? tf.softmax(y) : y).dataSync() as Float32Array;
  });
  const session = await ort.InferenceSession.create(toOnnx(net, opts));
  try {
    const out = await session.run({ input: new ort.Tensor('float32', input, [n, ...shape]) });
    const got = out[session.outputNames[0]];
    expect([...got.dims]).toEqual([n, ...(net.outputs[0].shape.slice(1) as number[])]);
    return maxAbsDiff(got.data as Float32Array, expected);
  } finally {
    await session.release();
    net.dispose();
  }
}

const model = (input: Sym, output: Sym) => tf.model({ inputs: input, outputs: output });

describe('toOnnx layer converters (checked with onnxruntime)', () => {
  it('conv variants: odd sizes with same padding, stride 2, dilation, depth multiplier, zero padding, pools', async () => {
    const x = tf.input({ shape: [9, 11, 3], name: 'in' });
    let y = L.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(x) as Sym;
    y = L.conv2d({ filters: 5, kernelSize: [3, 2], dilationRate: 2, padding: 'same' }).apply(y) as Sym;
    y = L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', useBias: true, activation: 'tanh' }).apply(y) as Sym;
    y = L.zeroPadding2d({ padding: [[1, 0], [0, 2]] }).apply(y) as Sym;
    y = L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(y) as Sym;
    y = L.maxPooling2d({ poolSize: 2, strides: 1, padding: 'valid' }).apply(y) as Sym;
    y = L.conv2d({ filters: 3, kernelSize: 1, padding: 'valid' }).apply(y) as Sym;
    y = L.flatten().apply(y) as Sym;
    expect(await compare(model(x, y))).toBeLessThan(1e-4);
  });

  it('merges across layouts: residual add with the input, concatenation of conv maps, multiply/max/min/average', async () => {
    const x = tf.input({ shape: [8, 8, 4] });
    const a = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x) as Sym;
    const b = L.batchNormalization({ epsilon: 1e-5 }).apply(a) as Sym;
    const sum = L.add().apply([b, x]) as Sym; // NCHW + NHWC input
    const cat = L.concatenate({ axis: -1 }).apply([sum, a, x]) as Sym;
    const cat2 = L.conv2d({ filters: 12, kernelSize: 1 }).apply(cat) as Sym;
    const prod = L.multiply().apply([cat, cat2]) as Sym;
    const mx = L.maximum().apply([prod, cat2]) as Sym;
    const mn = L.minimum().apply([mx, cat]) as Sym;
    const avg = L.average().apply([mn, cat]) as Sym;
    const pooled = L.globalMaxPooling2d({}).apply(avg) as Sym;
    expect(await compare(model(x, pooled))).toBeLessThan(1e-4);
  });

  it('sequence layers: reshape, permute, dense on rank 3, dot on every axes pair, softmax, layer norm, 1D pools', async () => {
    const x = tf.input({ shape: [4, 4, 6] });
    const tokens = L.reshape({ targetShape: [16, 6] }).apply(x) as Sym;
    const q = L.dense({ units: 5, activation: 'gelu' }).apply(tokens) as Sym;
    const k = L.dense({ units: 5, useBias: false }).apply(tokens) as Sym;
    const scores = L.dot({ axes: [2, 2] }).apply([q, k]) as Sym; // 16 × 16
    const attn = L.softmax({ axis: -1 }).apply(scores) as Sym;
    const mixed = L.dot({ axes: [2, 1] }).apply([attn, q]) as Sym; // 16 × 5
    const gram = L.dot({ axes: [1, 1] }).apply([mixed, q]) as Sym; // 5 × 5
    const cross = L.dot({ axes: [1, 2] }).apply([gram, L.permute({ dims: [2, 1] }).apply(gram) as Sym]) as Sym;
    const normed = L.layerNormalization({ epsilon: 1e-5 }).apply(cross) as Sym;
    const plain = L.layerNormalization({ center: false, scale: false }).apply(normed) as Sym;
    const avg = L.globalAveragePooling1d({}).apply(plain) as Sym;
    const mx = L.globalMaxPooling1d({}).apply(plain) as Sym;
    const out = L.concatenate().apply([avg, mx]) as Sym;
    expect(await compare(model(x, out))).toBeLessThan(1e-4);
  });

  it('activations, rescaling, rank-2 batch norm and row dot, ReLU(maxValue), dropout as identity, softmax output', async () => {
    const x = tf.input({ shape: [2, 3, 2] });
    let y = L.rescaling({ scale: 1 / 127.5, offset: -1 }).apply(L.flatten().apply(x) as Sym) as Sym;
    const acts = ['sigmoid', 'tanh', 'swish', 'elu', 'selu', 'softplus', 'softsign', 'relu6', 'relu', 'linear'] as const;
    const branches = acts.map((a) => L.dense({ units: 3, activation: a }).apply(y) as Sym);
    y = L.concatenate().apply(branches) as Sym;
    y = L.batchNormalization({}).apply(y) as Sym;
    y = L.leakyReLU({ alpha: 0.1 }).apply(y) as Sym;
    y = L.elu({}).apply(y) as Sym;
    y = L.reLU({ maxValue: 0.5 }).apply(y) as Sym;
    y = L.dropout({ rate: 0.5 }).apply(y) as Sym;
    const row = L.dot({ axes: 1 }).apply([y, L.dense({ units: 30 }).apply(y) as Sym]) as Sym;
    y = L.concatenate().apply([y, row]) as Sym;
    y = L.activation({ activation: 'softmax' }).apply(L.dense({ units: 4 }).apply(y) as Sym) as Sym;
    expect(await compare(model(x, L.dense({ units: 3 }).apply(y) as Sym), 3, { softmax: true })).toBeLessThan(1e-4);
  });

  it('an unsupported layer is an error naming the layer and its class', () => {
    const x = tf.input({ shape: [8, 3] });
    const y = L.conv1d({ filters: 2, kernelSize: 3, name: 'my_conv1d' }).apply(x) as Sym;
    const net = model(x, L.flatten().apply(y) as Sym);
    expect(() => toOnnx(net)).toThrow(/layer 'my_conv1d' \(class Conv1D\): no ONNX converter/);
    net.dispose();
  });

  it('an unsupported option of a supported layer names the layer too', () => {
    const x = tf.input({ shape: [4, 3] });
    const a = L.dense({ units: 2 }).apply(x) as Sym;
    const net = model(x, L.dot({ axes: 2, normalize: true, name: 'cosine' }).apply([a, a]) as Sym);
    expect(() => toOnnx(net)).toThrow(/layer 'cosine' \(class Dot\): normalize: true is not supported/);
    net.dispose();
  });

  it('the converter table covers the layers the brief names', () => {
    for (const c of ['Conv2D', 'DepthwiseConv2D', 'Dense', 'BatchNormalization', 'ReLU', 'Activation', 'Add', 'Concatenate', 'Dot', 'Softmax', 'Rescaling', 'Reshape', 'Flatten', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalAveragePooling1D', 'LayerNormalization', 'Dropout']) {
      expect(onnxConverterClasses()).toContain(c);
    }
  });
});
