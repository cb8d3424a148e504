import type { TensorInfo } from '@tensorflow/tfjs-core';
import { f32, output, sizeOf, type NativeArgs } from '../kernel-util.js';

/**
 * FusedBatchNorm: each of mean/variance/offset/scale has 1 value, one per
 * channel (last dim), or x's full size (tfjs-layers' LayerNormalization tiles them).
 */
export function fusedBatchNorm({ inputs, backend, attrs, addon }: NativeArgs) {
  const { x, mean, variance, offset, scale } = inputs;
  const xv = f32(backend, x), mv = f32(backend, mean), vv = f32(backend, variance);
  if (!x || !xv || !mv || !vv || x.shape.length === 0) return null;
  const ov = offset ? f32(backend, offset) : null, sv = scale ? f32(backend, scale) : null;
  if ((offset && !ov) || (scale && !sv)) return null;
  const c = x.shape[x.shape.length - 1];
  if (c === 0) return null;
  // By shape, not length: a per-row [.., 1] parameter may have c elements by chance.
  const fits = (t: TensorInfo | undefined) => {
    if (!t) return true;
    const n = sizeOf(t.shape);
    if (n === 1) return true;
    const s = t.shape.slice(t.shape.findIndex((d) => d !== 1));
    if (s.length === 1 && s[0] === c) return true;
    return n === xv.length && t.shape.length <= x.shape.length && t.shape.every((d, i) => d === x.shape[x.shape.length - t.shape.length + i]);
  };
  if (![mean, variance, offset, scale].every(fits)) return null;
  const out = backend.alloc(xv.length);
  addon.batchNorm(xv, mv, vv, ov, sv, (attrs.varianceEpsilon as number | undefined) ?? 0.001, c, out);
  return output(backend, [...x.shape], out);
}
