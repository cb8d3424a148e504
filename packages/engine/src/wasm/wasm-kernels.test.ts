import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmExtras } from './register-wasm-extras';
import { wasmBinaryDir } from './wasm-paths';

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

beforeAll(async () => {
  setWasmPaths(wasmBinaryDir());
  registerWasmExtras();
  await tf.setBackend('wasm');
});

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(seed + i * 0.7) + 0.1 * Math.cos(i * 1.3);
  return out;
}

const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);

async function runOn(
  backend: 'wasm' | 'cpu',
  kernel: string,
  inputs: Record<string, { shape: number[]; data: Float32Array }>,
  attrs: Record<string, unknown>,
): Promise<{ shape: number[]; data: Float32Array }> {
  await tf.setBackend(backend);
  const tensors = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.data, v.shape)]));
  const out = tf.engine().runKernel(kernel, tensors, attrs as never) as tf.Tensor;
  const result = { shape: out.shape, data: (await out.data()) as Float32Array };
  tf.dispose([out, ...Object.values(tensors)]);
  return result;
}

function geometry(xShape: number[], fShape: number[], strides: number, dilations: number, pad: Pad, depthwise: boolean) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    fShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    undefined,
    depthwise,
  );
}

/** Direct-loop references (independent of both backends), dilation-aware. */
function depthwiseFilterRef(x: Float32Array, dy: Float32Array, xShape: number[], fShape: number[], s: number, d: number, pad: Pad) {
  const g = geometry(xShape, fShape, s, d, pad, true);
  const [n, h, w, c] = xShape;
  const m = fShape[3];
  const out = new Float32Array(size(fShape));
  for (let a = 0; a < fShape[0]; a++)
    for (let b = 0; b < fShape[1]; b++)
      for (let ci = 0; ci < c; ci++)
        for (let k = 0; k < m; k++) {
          let acc = 0;
          for (let bi = 0; bi < n; bi++)
            for (let i = 0; i < g.outHeight; i++)
              for (let j = 0; j < g.outWidth; j++) {
                const r = i * s + a * d - g.padInfo.top;
                const col = j * s + b * d - g.padInfo.left;
                if (r < 0 || r >= h || col < 0 || col >= w) continue;
                acc += x[((bi * h + r) * w + col) * c + ci] * dy[((bi * g.outHeight + i) * g.outWidth + j) * c * m + ci * m + k];
              }
          out[((a * fShape[1] + b) * c + ci) * m + k] = acc;
        }
  return out;
}

function depthwiseInputRef(dy: Float32Array, f: Float32Array, xShape: number[], fShape: number[], s: number, d: number, pad: Pad) {
  const g = geometry(xShape, fShape, s, d, pad, true);
  const [n, h, w, c] = xShape;
  const m = fShape[3];
  const out = new Float32Array(size(xShape));
  for (let bi = 0; bi < n; bi++)
    for (let i = 0; i < g.outHeight; i++)
      for (let j = 0; j < g.outWidth; j++)
        for (let a = 0; a < fShape[0]; a++)
          for (let b = 0; b < fShape[1]; b++) {
            const r = i * s + a * d - g.padInfo.top;
            const col = j * s + b * d - g.padInfo.left;
            if (r < 0 || r >= h || col < 0 || col >= w) continue;
            for (let ci = 0; ci < c; ci++)
              for (let k = 0; k < m; k++)
                out[((bi * h + r) * w + col) * c + ci] +=
                  dy[((bi * g.outHeight + i) * g.outWidth + j) * c * m + ci * m + k] * f[((a * fShape[1] + b) * c + ci) * m + k];
          }
  return out;
}

function expectClose(actual: Float32Array, expected: Float32Array, tolerance = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  expect(worst).toBeLessThan(tolerance);
}

const conv2dCases: Array<{ x: number[]; f: number[]; s: number; pad: Pad }> = [
  { x: [2, 7, 7, 3], f: [3, 3, 3, 4], s: 1, pad: 'same' },
  { x: [2, 7, 7, 3], f: [3, 3, 3, 4], s: 1, pad: 'valid' },
  { x: [2, 8, 8, 2], f: [3, 3, 2, 5], s: 2, pad: 'same' },
  { x: [3, 9, 8, 2], f: [3, 2, 2, 3], s: 2, pad: 'valid' },
  { x: [1, 10, 10, 4], f: [5, 5, 4, 2], s: 3, pad: 'valid' },
  { x: [2, 6, 6, 3], f: [1, 1, 3, 6], s: 2, pad: 'same' },
  { x: [2, 6, 5, 2], f: [3, 3, 2, 2], s: 1, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
];

describe('wasm Conv2DBackpropFilter', () => {
  it.each(conv2dCases)('matches the cpu backend for x=$x f=$f stride=$s pad=$pad', async ({ x, f, s, pad }) => {
    const g = geometry(x, f, s, 1, pad, false);
    const dyShape = [x[0], g.outHeight, g.outWidth, f[3]];
    const inputs = { x: { shape: x, data: values(size(x), 1) }, dy: { shape: dyShape, data: values(size(dyShape), 2) } };
    const attrs = { strides: [s, s], pad, dataFormat: 'NHWC', filterShape: f };
    const wasm = await runOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);
    const cpu = await runOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
    expect(wasm.shape).toEqual(f);
    expectClose(wasm.data, cpu.data);
  });
});

const depthwiseCases: Array<{ x: number[]; f: number[]; s: number; d: number; pad: Pad }> = [
  { x: [2, 7, 7, 3], f: [3, 3, 3, 1], s: 1, d: 1, pad: 'same' },
  { x: [2, 8, 8, 3], f: [3, 3, 3, 1], s: 2, d: 1, pad: 'same' },
  { x: [2, 9, 8, 2], f: [3, 3, 2, 2], s: 2, d: 1, pad: 'valid' },
  { x: [1, 9, 9, 2], f: [3, 3, 2, 1], s: 1, d: 2, pad: 'same' },
  { x: [2, 10, 9, 2], f: [3, 2, 2, 3], s: 1, d: 2, pad: 'valid' },
  { x: [2, 6, 6, 2], f: [3, 3, 2, 1], s: 1, d: 1, pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
];

describe('wasm depthwise gradients', () => {
  it.each(depthwiseCases)('filter grad is right for x=$x f=$f stride=$s dilation=$d pad=$pad', async ({ x, f, s, d, pad }) => {
    const g = geometry(x, f, s, d, pad, true);
    const dyShape = [x[0], g.outHeight, g.outWidth, f[2] * f[3]];
    const inputs = { x: { shape: x, data: values(size(x), 3) }, dy: { shape: dyShape, data: values(size(dyShape), 4) } };
    const attrs = { strides: [s, s], dilations: [d, d], pad, filterShape: f };
    const wasm = await runOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', inputs, attrs);
    expect(wasm.shape).toEqual(f);
    expectClose(wasm.data, depthwiseFilterRef(inputs.x.data, inputs.dy.data, x, f, s, d, pad));
    // The cpu kernel ignores dilations, so compare with it only where they are 1.
    if (d === 1) expectClose(wasm.data, (await runOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', inputs, attrs)).data);
  });

  it.each(depthwiseCases)('input grad is right for x=$x f=$f stride=$s dilation=$d pad=$pad', async ({ x, f, s, d, pad }) => {
    const g = geometry(x, f, s, d, pad, true);
    const dyShape = [x[0], g.outHeight, g.outWidth, f[2] * f[3]];
    const inputs = { dy: { shape: dyShape, data: values(size(dyShape), 5) }, filter: { shape: f, data: values(size(f), 6) } };
    const attrs = { strides: [s, s], dilations: [d, d], pad, inputShape: x };
    const wasm = await runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', inputs, attrs);
    expect(wasm.shape).toEqual(x);
    expectClose(wasm.data, depthwiseInputRef(inputs.dy.data, inputs.filter.data, x, f, s, d, pad));
    if (d === 1) expectClose(wasm.data, (await runOn('cpu', 'DepthwiseConv2dNativeBackpropInput', inputs, attrs)).data);
  });
});

describe('training on wasm', () => {
  it('trains a zoo-like block (conv, batch norm, relu6, depthwise, residual add, max pool) one step, matching cpu, without leaking tensors', async () => {
    const build = (): tf.LayersModel => {
      const input = tf.input({ shape: [8, 8, 3] });
      let h = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: 'ones', useBias: false }).apply(input) as tf.SymbolicTensor;
      h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
      h = tf.layers.reLU({ maxValue: 6 }).apply(h) as tf.SymbolicTensor;
      const skip = h;
      h = tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: 'ones' }).apply(h) as tf.SymbolicTensor;
      h = tf.layers.add().apply([h, skip]) as tf.SymbolicTensor;
      h = tf.layers.reLU().apply(h) as tf.SymbolicTensor;
      h = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }).apply(h) as tf.SymbolicTensor;
      h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
      const out = tf.layers.dense({ units: 2, kernelInitializer: 'ones' }).apply(h) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: out });
    };
    const step = async (backend: 'wasm' | 'cpu'): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const model = build();
      const x = tf.tensor4d(values(4 * 8 * 8 * 3, 7), [4, 8, 8, 3]);
      const y = tf.oneHot(tf.tensor1d([0, 1, 1, 0], 'int32'), 2);
      const optimizer = tf.train.sgd(0.1);
      const before = tf.memory().numTensors;
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
      expect(tf.memory().numTensors).toBe(before); // no leaked intermediates
      const weights = await Promise.all(model.getWeights().map((w) => w.data() as Promise<Float32Array>));
      tf.dispose([x, y]);
      model.dispose();
      optimizer.dispose();
      return weights;
    };
    const wasm = await step('wasm');
    const cpu = await step('cpu');
    wasm.forEach((w, i) => expectClose(w, cpu[i], 1e-4));
  });

  it('trains dropout + flatten + dense on wasm with a finite loss', async () => {
    await tf.setBackend('wasm');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, strides: 2, padding: 'same' }),
        tf.layers.flatten(),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 3 }),
      ],
    });
    const x = tf.tensor4d(values(2 * 36, 9), [2, 6, 6, 1]);
    const y = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3);
    const loss = tf.train.sgd(0.1).minimize(
      () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
      true,
    ) as tf.Scalar;
    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    tf.dispose([x, y, loss]);
    model.dispose();
  });
});
