import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Deterministic pseudo-random data in [-1, 1). */
export function rand(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = (s / 4294967296) * 2 - 1;
  }
  return out;
}

export interface Input { shape: number[]; data?: Float32Array; seed?: number }

/** Runs `fn` on `backend` with fresh tensors; returns all outputs as arrays. */
export async function runOn(
  backend: string,
  inputs: Input[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((inp, i) => {
      const n = inp.shape.reduce((a, b) => a * b, 1);
      return tf.tensor(inp.data ?? rand(n, inp.seed ?? 17 + i * 7919), inp.shape, 'float32');
    });
    const out = fn(...xs);
    return (Array.isArray(out) ? out : [out]).map((t) => t.dataSync() as Float32Array);
  });
}

/** Max |a-b| relative to max(1, max|b|). */
export function relErr(a: Float32Array, b: Float32Array): number {
  let diff = 0, mag = 1;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= diff)) diff = Number.isNaN(d) ? Infinity : d;
    mag = Math.max(mag, Math.abs(b[i]));
  }
  return diff / mag;
}

/** Asserts `fn` gives the same result on `native` and `cpu`. */
export async function expectSame(
  inputs: Input[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  tol = 1e-4,
): Promise<void> {
  const ref = await runOn('cpu', inputs, fn);
  const got = await runOn('native', inputs, fn);
  expect(got.length).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    expect(got[i].length).toBe(ref[i].length);
    expect(relErr(got[i], ref[i])).toBeLessThanOrEqual(tol);
  }
}

/** `fn` plus the gradients of sum(fn * dyWeights) w.r.t. every input. */
export function withGrads(fn: (...xs: tf.Tensor[]) => tf.Tensor) {
  return (...xs: tf.Tensor[]): tf.Tensor[] => {
    const y = fn(...xs);
    const w = tf.tensor(rand(y.size, 4242), y.shape);
    const grads = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(fn(...ys), w)))(xs);
    return [y, ...grads];
  };
}
