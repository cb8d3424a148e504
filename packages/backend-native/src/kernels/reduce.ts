import { backend_util, util, type TensorInfo } from '@tensorflow/tfjs-core';
import { REDUCE } from '../op-codes.js';
import { f32, output, sizeOf, stridesOf, collapse, type NativeArgs } from '../kernel-util.js';

/** Sum/Max/Min/Mean/Prod of float32 `x` over `axes` (any set) into a fresh tensor. */
export function runReduce(args: Pick<NativeArgs, 'backend' | 'addon'>, op: number, x: TensorInfo, axesIn: number[], keepDims: boolean): TensorInfo | null {
  const { backend, addon } = args;
  const xv = f32(backend, x);
  if (!xv) return null;
  const axes = [...new Set(axesIn)].sort((p, q) => p - q);
  const [outShape, redShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
  const shape = keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
  const nOut = sizeOf(outShape), nRed = sizeOf(redShape);
  if (nRed === 0 || xv.length === 0) return null; // empty reductions: cpu's identity values
  const out = backend.alloc(nOut);
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (axes.length === 0) {
    out.set(xv);
  } else if (contiguous) {
    const first = axes[0], last = axes[axes.length - 1];
    addon.reduce(op, xv, sizeOf(x.shape.slice(0, first)), nRed, sizeOf(x.shape.slice(last + 1)), out);
  } else {
    const st = stridesOf(x.shape);
    const kept = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
    const k = collapse(kept.map((d) => x.shape[d]), kept.map((d) => st[d]));
    const r = collapse(axes.map((d) => x.shape[d]), axes.map((d) => st[d]));
    addon.reduceStrided(op, xv, k.shape, k.views[0], r.shape, r.views[0], out);
  }
  return output(backend, shape, out);
}

/** Sum/Max/Min/Mean/Prod over any axes (float32). */
export function reduceKernel(op: number) {
  return ({ inputs, backend, attrs, addon }: NativeArgs) => {
    const x = inputs.x;
    if (!x) return null;
    const axes = util.parseAxisParam((attrs.axis ?? attrs.reductionIndices) as number | number[], x.shape);
    return runReduce({ backend, addon }, op, x, axes, Boolean(attrs.keepDims));
  };
}

/** ArgMax / ArgMin over one axis (int32 output; first extreme wins, as tfjs). */
export function argKernel(op: number) {
  return ({ inputs, backend, attrs, addon }: NativeArgs) => {
    const x = inputs.x;
    const xv = f32(backend, x);
    if (!x || !xv) return null;
    const [axis] = util.parseAxisParam(attrs.axis as number | number[], x.shape);
    if (axis === undefined || x.shape[axis] === 0) return null;
    const st = stridesOf(x.shape);
    const kept = x.shape.map((_, d) => d).filter((d) => d !== axis);
    const k = collapse(kept.map((d) => x.shape[d]), kept.map((d) => st[d]));
    const out = new Int32Array(sizeOf(kept.map((d) => x.shape[d])));
    if (out.length > 0) {
      addon.reduceStrided(op, xv, k.shape, k.views[0], Int32Array.of(x.shape[axis]), Int32Array.of(st[axis]), out);
    }
    return backend.makeTensorInfo(kept.map((d) => x.shape[d]), 'int32', out);
  };
}

export const REDUCE_KERNELS = { Sum: REDUCE.Sum, Max: REDUCE.Max, Min: REDUCE.Min, Mean: REDUCE.Mean, Prod: REDUCE.Prod } as const;
