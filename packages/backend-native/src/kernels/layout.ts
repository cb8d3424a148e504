import { backend_util, slice_util, util, type TensorInfo } from '@tensorflow/tfjs-core';
import { allocFor, collapse, sizeOf, stridesOf, vals, type NativeArgs } from '../kernel-util.js';
import type { Values } from '../native-addon.js';

type Ctx = Pick<NativeArgs, 'backend' | 'addon'>;

/** Copies the `size` window of `x` starting at `begin` into `dst` at `dstOffset` with `dstStrides`. */
function copyWindow(ctx: Ctx, xv: Values, xShape: readonly number[], begin: readonly number[], size: readonly number[],
  dst: Values, dstStrides: readonly number[], dstOffset: number): void {
  if (sizeOf(size) === 0) return;
  const xs = stridesOf(xShape);
  const offset = begin.reduce((s, b, d) => s + b * xs[d], 0);
  const c = collapse(size, xs, dstStrides);
  ctx.addon.copyStrided(xv, dst, c.shape, c.views[0], offset, c.views[1], dstOffset);
}

/** A slice of x as a new tensor: a view when contiguous (as tfjs-cpu), else one strided copy. */
function sliceOf(ctx: Ctx, x: TensorInfo, xv: Values, begin: number[], size: number[]): TensorInfo {
  const n = sizeOf(size);
  if (slice_util.isSliceContinous(x.shape, begin, size)) {
    const off = slice_util.computeFlatOffset(begin, stridesOf(x.shape));
    return ctx.backend.makeTensorInfo(size, x.dtype, xv.subarray(off, off + n));
  }
  const out = allocFor(ctx.backend, x.dtype, n);
  copyWindow(ctx, xv, x.shape, begin, size, out, stridesOf(size), 0);
  return ctx.backend.makeTensorInfo(size, x.dtype, out);
}

export function slice({ inputs, backend, attrs, addon }: NativeArgs) {
  const x = inputs.x;
  const xv = vals(backend, x);
  if (!x || !xv) return null;
  const [begin, size] = slice_util.parseSliceParams(x, attrs.begin as number | number[], attrs.size as number | number[]);
  slice_util.assertParamsValid(x, begin, size);
  return sliceOf({ backend, addon }, x, xv, begin, size);
}

export function splitV({ inputs, backend, attrs, addon }: NativeArgs) {
  const x = inputs.x;
  const xv = vals(backend, x);
  if (!x || !xv) return null;
  const [axis] = util.parseAxisParam(attrs.axis as number, x.shape);
  const sizes = backend_util.prepareSplitSize(x, attrs.numOrSizeSplits as number | number[], axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[axis] = s;
    const t = sliceOf({ backend, addon }, x, xv, [...begin], size);
    begin[axis] += s;
    return t;
  });
}

export function transpose({ inputs, backend, attrs, addon }: NativeArgs) {
  const x = inputs.x;
  const xv = vals(backend, x);
  const perm = attrs.perm as number[];
  if (!x || !xv || perm.length !== x.shape.length) return null;
  const outShape = perm.map((p) => x.shape[p]);
  const out = allocFor(backend, x.dtype, xv.length);
  if (xv.length > 0) {
    const xs = stridesOf(x.shape);
    const c = collapse(outShape, perm.map((p) => xs[p]), stridesOf(outShape));
    addon.copyStrided(xv, out, c.shape, c.views[0], 0, c.views[1], 0);
  }
  return backend.makeTensorInfo(outShape, x.dtype, out);
}

export function concat({ inputs, backend, attrs, addon }: NativeArgs) {
  const list = Object.values(inputs).filter((t): t is TensorInfo => t !== undefined);
  if (list.length === 0) return null;
  const dtype = list[0].dtype;
  if (list.some((t) => t.dtype !== dtype)) return null;
  const [axis] = util.parseAxisParam(attrs.axis as number, list[0].shape);
  const outShape = backend_util.computeOutShape(list.map((t) => t.shape), axis);
  const values = list.map((t) => vals(backend, t));
  if (values.some((v) => !v)) return null;
  const out = allocFor(backend, dtype, sizeOf(outShape));
  const os = stridesOf(outShape);
  let at = 0;
  list.forEach((t, i) => {
    copyWindow({ backend, addon }, values[i] as Values, t.shape, t.shape.map(() => 0), t.shape, out, os, at * os[axis]);
    at += t.shape[axis];
  });
  return backend.makeTensorInfo(outShape, dtype, out);
}

/** PadV2: constant padding. */
export function pad({ inputs, backend, attrs, addon }: NativeArgs) {
  const x = inputs.x;
  const xv = vals(backend, x);
  const paddings = attrs.paddings as [number, number][];
  if (!x || !xv || paddings.length !== x.shape.length) return null;
  const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
  const out = allocFor(backend, x.dtype, sizeOf(outShape));
  addon.fill(out, (attrs.constantValue as number | undefined) ?? 0);
  const os = stridesOf(outShape);
  const at = paddings.reduce((s, p, d) => s + p[0] * os[d], 0);
  copyWindow({ backend, addon }, xv, x.shape, x.shape.map(() => 0), x.shape, out, os, at);
  return backend.makeTensorInfo(outShape, x.dtype, out);
}

export function tile({ inputs, backend, attrs, addon }: NativeArgs) {
  const x = inputs.x;
  const xv = vals(backend, x);
  const reps = attrs.reps as number[];
  if (!x || !xv || x.shape.length === 0 || reps.length !== x.shape.length) return null;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = allocFor(backend, x.dtype, sizeOf(outShape));
  if (out.length > 0) addon.tile(xv, Int32Array.from(x.shape), Int32Array.from(reps), out);
  return backend.makeTensorInfo(outShape, x.dtype, out);
}

export function oneHot({ inputs, backend, attrs, addon }: NativeArgs) {
  const indices = inputs.indices;
  const iv = vals(backend, indices);
  const dtype = (attrs.dtype as 'float32' | 'int32' | undefined) ?? 'int32';
  if (!indices || !(iv instanceof Int32Array) || (dtype !== 'float32' && dtype !== 'int32')) return null;
  const depth = attrs.depth as number;
  const out = allocFor(backend, dtype, iv.length * depth) as Float32Array | Int32Array;
  addon.oneHot(iv, depth, (attrs.onValue as number | undefined) ?? 1, (attrs.offValue as number | undefined) ?? 0, out);
  return backend.makeTensorInfo([...indices.shape, depth], dtype, out);
}
