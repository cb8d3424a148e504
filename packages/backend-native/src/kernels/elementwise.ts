import { backend_util } from '@tensorflow/tfjs-core';
import { f32, output, sizeOf, type NativeArgs } from '../kernel-util.js';

/** Below this many elements the JS cpu kernels are as fast as a native call. */
export const MIN_NATIVE_ELEMENTS = 4096;

/** Binary op codes (match eltwise.cc). */
export const BINARY_OPS = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6,
} as const;

/** Unary op codes (match eltwise.cc). */
export const UNARY_OPS = {
  Relu: 0, Relu6: 1, LeakyRelu: 2, Sigmoid: 3, Elu: 4, Step: 5, Square: 6, Sqrt: 7,
  Neg: 8, Exp: 9, Abs: 10, Rsqrt: 11, Log: 12,
} as const;

function stripOnes(shape: readonly number[]): number[] {
  let i = 0;
  while (i < shape.length && shape[i] === 1) i++;
  return shape.slice(i);
}

/** True when `small` broadcasts to `out` by repeating along leading dims only. */
function suffixBroadcast(small: readonly number[], out: readonly number[]): boolean {
  const s = stripOnes(small);
  if (s.length > out.length) return false;
  const tail = out.slice(out.length - s.length);
  return s.every((d, i) => d === tail[i]);
}

/** Element strides of `shape` broadcast to `out` (0 on broadcast dims). */
function stridesFor(shape: readonly number[], out: readonly number[]): number[] {
  const padded = [...Array(out.length - shape.length).fill(1), ...shape] as number[];
  const st = new Array<number>(out.length);
  let acc = 1;
  for (let d = out.length - 1; d >= 0; d--) {
    st[d] = padded[d] === 1 && out[d] !== 1 ? 0 : acc;
    acc *= padded[d];
  }
  return st;
}

/** Collapsed (shape, strides) for a general broadcasting binary op. */
export function broadcastStrides(aShape: readonly number[], bShape: readonly number[], out: readonly number[]) {
  const sa = stridesFor(aShape, out), sb = stridesFor(bShape, out);
  const shape: number[] = [], stA: number[] = [], stB: number[] = [];
  for (let d = 0; d < out.length; d++) {
    if (out[d] === 1) continue;
    const k = shape.length - 1;
    if (k >= 0 && stA[k] === sa[d] * out[d] && stB[k] === sb[d] * out[d]) {
      shape[k] *= out[d];
      stA[k] = sa[d];
      stB[k] = sb[d];
    } else {
      shape.push(out[d]);
      stA.push(sa[d]);
      stB.push(sb[d]);
    }
  }
  if (shape.length === 0) shape.push(1), stA.push(0), stB.push(0);
  return { shape: Int32Array.from(shape), stridesA: Int32Array.from(stA), stridesB: Int32Array.from(stB) };
}

export function binaryKernel(op: number) {
  return ({ inputs, backend, addon }: NativeArgs) => {
    const { a, b } = inputs;
    const av = f32(backend, a), bv = f32(backend, b);
    if (!a || !b || !av || !bv) return null;
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = sizeOf(outShape);
    if (n < MIN_NATIVE_ELEMENTS) return null;
    const fullA = av.length === n, fullB = bv.length === n;
    const ok = (fullA && fullB) || (fullA && (bv.length === 1 || suffixBroadcast(b.shape, outShape))) ||
      (fullB && (av.length === 1 || suffixBroadcast(a.shape, outShape)));
    const out = backend.alloc(n);
    if (ok) {
      addon.binary(op, av, bv, out);
    } else {
      const { shape, stridesA, stridesB } = broadcastStrides(a.shape, b.shape, outShape);
      addon.binaryStrided(op, av, bv, out, shape, stridesA, stridesB);
    }
    return output(backend, outShape, out);
  };
}

export function unaryKernel(op: number) {
  return ({ inputs, backend, attrs, addon }: NativeArgs) => {
    const x = inputs.x;
    const xv = f32(backend, x);
    if (!x || !xv || xv.length < MIN_NATIVE_ELEMENTS) return null;
    const alpha = op === UNARY_OPS.LeakyRelu ? ((attrs.alpha as number | undefined) ?? 0.2)
      : op === UNARY_OPS.Step ? ((attrs.alpha as number | undefined) ?? 0) : 0;
    const out = backend.alloc(xv.length);
    addon.unary(op, xv, out, alpha);
    return output(backend, [...x.shape], out);
  };
}
