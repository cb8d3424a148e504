// Times Kiln's wasm Conv2DBackpropFilter against the cpu backend's (run: npx tsx bench/wasm-backprop.bench.ts).
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmExtras } from '../src/wasm/register-wasm-extras';
import { wasmBinaryDir } from '../src/wasm/wasm-paths';

async function time(backend: string, kernel: string, inputs: Record<string, tf.Tensor>, attrs: object, reps = 5): Promise<number> {
  await tf.setBackend(backend);
  const local = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.dataSync(), v.shape)]));
  const once = async (): Promise<void> => {
    const out = tf.engine().runKernel(kernel, local, attrs as never) as tf.Tensor;
    await out.data();
    out.dispose();
  };
  await once();
  const start = performance.now();
  for (let i = 0; i < reps; i++) await once();
  tf.dispose(Object.values(local));
  return (performance.now() - start) / reps;
}

async function main(): Promise<void> {
  setWasmPaths(wasmBinaryDir());
  registerWasmExtras();
  await tf.setBackend('wasm');
  const cases = [
    { x: [32, 32, 32, 16], f: [3, 3, 16, 32], s: 1 },
    { x: [32, 16, 16, 32], f: [3, 3, 32, 64], s: 2 },
  ];
  for (const c of cases) {
    const x = tf.randomNormal(c.x);
    const y = tf.conv2d(x as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.s, 'same');
    const dy = tf.randomNormal(y.shape);
    const attrs = { strides: [c.s, c.s], pad: 'same', dataFormat: 'NHWC', filterShape: c.f };
    const wasm = await time('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
    const cpu = await time('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs, 2);
    console.log(`Conv2DBackpropFilter x=${c.x} f=${c.f} s=${c.s}: wasm ${wasm.toFixed(1)} ms, cpu ${cpu.toFixed(1)} ms`);
    tf.dispose([x, y, dy]);
  }
  for (const c of [{ x: [32, 32, 32, 32], f: [3, 3, 32, 1], s: 1 }]) {
    const x = tf.randomNormal(c.x);
    const y = tf.depthwiseConv2d(x as tf.Tensor4D, tf.zeros(c.f) as tf.Tensor4D, c.s, 'same');
    const dy = tf.randomNormal(y.shape);
    const fAttrs = { strides: [c.s, c.s], dilations: [1, 1], pad: 'same', filterShape: c.f };
    const iAttrs = { strides: [c.s, c.s], dilations: [1, 1], pad: 'same', inputShape: c.x };
    const filter = tf.randomNormal(c.f);
    for (const [kernel, inputs, attrs] of [
      ['DepthwiseConv2dNativeBackpropFilter', { x, dy }, fAttrs],
      ['DepthwiseConv2dNativeBackpropInput', { dy, filter }, iAttrs],
    ] as const) {
      const wasm = await time('wasm', kernel, inputs, attrs);
      const cpu = await time('cpu', kernel, inputs, attrs, 2);
      console.log(`${kernel} x=${c.x} f=${c.f}: wasm ${wasm.toFixed(1)} ms, cpu ${cpu.toFixed(1)} ms`);
    }
    tf.dispose([x, y, dy, filter]);
  }
}

void main();
