import * as tf from '@tensorflow/tfjs';
import { isPrecisionBackend, type ComputeType } from '@kiln/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { nativeReady } from './__fixtures__/setup.js';
import { loadAddon } from './load-addon.js';
import { precisionUnsupported } from './precision.js';

/** ‖a − b‖ / ‖b‖: the tolerance bf16 results are held to against fp32 (stated: 1e-2). */
function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** Round-to-nearest-even to bf16, in JS (the reference for the emulated path). */
function bf16(v: Float32Array): Float32Array {
  const u = new Uint32Array(v.slice().buffer);
  for (let i = 0; i < u.length; i++) u[i] = ((u[i] + 0x7fff + ((u[i] >>> 16) & 1)) & 0xffff0000) >>> 0;
  return new Float32Array(u.buffer);
}

function rand(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

/** Conv forward + both gradients, and matmul forward + both gradients, as flat arrays. */
function compute(x: tf.Tensor4D, w: tf.Tensor4D, a: tf.Tensor3D, b: tf.Tensor3D): Float32Array[] {
  return tf.tidy(() => {
    const conv = (xi: tf.Tensor, wi: tf.Tensor) => tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 2, 'same').square().sum();
    const mm = (ai: tf.Tensor, bi: tf.Tensor) => tf.matMul(ai, bi, false, true).square().sum();
    const [dx, dw] = tf.grads(conv)([x, w]);
    const [da, db] = tf.grads(mm)([a, b]);
    return [tf.conv2d(x, w, 2, 'same'), dx, dw, tf.matMul(a, b, false, true), da, db].map((t) => t.dataSync() as Float32Array);
  });
}

describe.skipIf(!nativeReady)('compute precision (conv / matmul autocast)', () => {
  const backend = () => {
    const b = tf.backend();
    if (!isPrecisionBackend(b)) throw new Error('native backend is not a PrecisionBackend');
    return b;
  };
  const inputs = () => [rand([2, 9, 9, 16], 1), rand([3, 3, 16, 24], 2), rand([4, 17, 32], 3), rand([4, 19, 32], 4)] as
    [tf.Tensor4D, tf.Tensor4D, tf.Tensor3D, tf.Tensor3D];
  const set = (t: ComputeType, emulate: boolean) => backend().setComputePrecision(t, emulate);

  afterEach(() => set('fp32', false));

  it('a CPU without bf16 instructions gets an error naming what it lacks', () => {
    const why = precisionUnsupported('bf16', { isa: 'avx2', bf16: false });
    expect(why).toMatch(/AVX512-BF16 or AMX/);
    expect(why).toMatch(/ISA is avx2/);
    expect(precisionUnsupported('bf16', { isa: 'avx512_core_amx', bf16: true })).toBeUndefined();
    if (!backend().computePrecision().bf16) expect(() => set('bf16', false)).toThrow(/needs a CPU with AVX512-BF16/);
    expect(() => set('fp16', false)).toThrow(/no fp16 convolution/);
    // The addon checks too, whatever its caller did.
    if (!backend().computePrecision().bf16) expect(() => loadAddon()!.setPrecision(1, false)).toThrow(RangeError);
    expect(() => loadAddon()!.setPrecision(3, true)).toThrow(RangeError);
  });

  it('emulated bf16: conv and matmul (forward, dx, dW) equal fp32 on bf16-rounded inputs, within 1e-2 of fp32', () => {
    const [x, w, a, b] = inputs();
    const fp32 = compute(x, w, a, b);
    const before = loadAddon()!.precisionInfo().emulatedCalls;
    expect(set('bf16', true)).toMatchObject({ type: 'bf16', emulated: true });
    const emu = compute(x, w, a, b);
    expect(loadAddon()!.precisionInfo().emulatedCalls - before).toBeGreaterThanOrEqual(6);
    set('fp32', false);
    // Forward outputs: exactly the fp32 kernel on rounded inputs (a no-op emulation differs by ~1e-3).
    const r = (t: tf.Tensor) => tf.tensor(bf16(t.dataSync() as Float32Array), t.shape);
    const refConv = tf.conv2d(r(x) as tf.Tensor4D, r(w) as tf.Tensor4D, 2, 'same').dataSync() as Float32Array;
    const refMm = tf.matMul(r(a), r(b), false, true).dataSync() as Float32Array;
    expect(relErr(emu[0], refConv)).toBeLessThan(1e-6);
    expect(relErr(emu[3], refMm)).toBeLessThan(1e-6);
    expect(relErr(emu[0], fp32[0])).toBeGreaterThan(1e-4);
    for (let i = 0; i < fp32.length; i++) expect(relErr(emu[i], fp32[i]), `output ${i}`).toBeLessThan(1e-2);
  });

  it('emulated fp16: values beyond 65504 overflow to inf, as an fp16 tensor would', () => {
    set('fp16', true);
    const y = tf.matMul(tf.tensor2d([[70000, 1]]), tf.tensor2d([[1], [1]])).dataSync();
    expect(y[0]).toBe(Infinity);
    set('fp32', false);
    expect(tf.matMul(tf.tensor2d([[70000, 1]]), tf.tensor2d([[1], [1]])).dataSync()[0]).toBe(70001);
  });

  // Runs only where oneDNN reports avx512_core_bf16 / AMX (not on AVX2 machines).
  it.skipIf(!nativeReady || !loadAddon()?.precisionInfo().bf16)('native bf16 primitives: within 1e-2 of fp32', () => {
    const [x, w, a, b] = inputs();
    const fp32 = compute(x, w, a, b);
    const before = loadAddon()!.precisionInfo().nativeCalls;
    expect(set('bf16', false)).toMatchObject({ type: 'bf16', emulated: false });
    const lo = compute(x, w, a, b);
    expect(loadAddon()!.precisionInfo().nativeCalls - before).toBeGreaterThanOrEqual(6);
    for (let i = 0; i < fp32.length; i++) expect(relErr(lo[i], fp32[i]), `output ${i}`).toBeLessThan(1e-2);
  });
});
