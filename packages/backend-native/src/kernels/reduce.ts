import { backend_util, util } from '@tensorflow/tfjs-core';
import { f32, output, sizeOf, type NativeArgs } from '../kernel-util.js';
import { MIN_NATIVE_ELEMENTS } from './elementwise.js';

/** Reduction op codes (match eltwise.cc). */
export const REDUCE_OPS = { Sum: 0, Max: 1, Min: 2, Mean: 3 } as const;

/**
 * Sum/Max/Min/Mean over a contiguous block of axes (e.g. the bias gradient
 * reduction over N,H,W of an NHWC tensor). Other axis sets fall back.
 */
export function reduceKernel(op: number) {
  return ({ inputs, backend, attrs, addon }: NativeArgs) => {
    const x = inputs.x;
    const xv = f32(backend, x);
    if (!x || !xv || xv.length < MIN_NATIVE_ELEMENTS) return null;
    const axes = util.parseAxisParam((attrs.axis ?? attrs.reductionIndices) as number | number[], x.shape).sort((p, q) => p - q);
    if (axes.length === 0) return null;
    for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1] + 1) return null;
    const first = axes[0], last = axes[axes.length - 1];
    const outer = sizeOf(x.shape.slice(0, first));
    const mid = sizeOf(x.shape.slice(first, last + 1));
    const inner = sizeOf(x.shape.slice(last + 1));
    if (mid === 0) return null;
    const [outShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    const shape = attrs.keepDims ? backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
    const out = backend.alloc(outer * inner);
    addon.reduce(op, xv, outer, mid, inner, out);
    return output(backend, shape, out);
  };
}
