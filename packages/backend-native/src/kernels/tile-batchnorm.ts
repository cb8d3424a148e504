import { f32, output, sizeOf, type NativeArgs } from '../kernel-util.js';
import { MIN_NATIVE_ELEMENTS } from './elementwise.js';

/** Tile (tfjs-layers/core use it in the BatchNorm gradient). */
export function tile({ inputs, backend, attrs, addon }: NativeArgs) {
  const x = inputs.x;
  const xv = f32(backend, x);
  const reps = attrs.reps as number[];
  if (!x || !xv || x.shape.length === 0 || reps.length !== x.shape.length) return null;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const n = sizeOf(outShape);
  if (n < MIN_NATIVE_ELEMENTS) return null;
  const out = backend.alloc(n);
  addon.tile(xv, Int32Array.from(x.shape), Int32Array.from(reps), out);
  return output(backend, outShape, out);
}

/** FusedBatchNorm: per-channel (last dim) affine normalization. */
export function fusedBatchNorm({ inputs, backend, attrs, addon }: NativeArgs) {
  const { x, mean, variance, offset, scale } = inputs;
  const xv = f32(backend, x), mv = f32(backend, mean), vv = f32(backend, variance);
  if (!x || !xv || !mv || !vv || x.shape.length === 0) return null;
  const ov = offset ? f32(backend, offset) : null, sv = scale ? f32(backend, scale) : null;
  if ((offset && !ov) || (scale && !sv)) return null;
  const c = x.shape[x.shape.length - 1];
  for (const p of [mv, vv, ov, sv]) if (p && p.length !== 1 && p.length !== c) return null;
  const out = backend.alloc(xv.length);
  addon.batchNorm(xv, mv, vv, ov, sv, (attrs.varianceEpsilon as number | undefined) ?? 0.001, c, out);
  return output(backend, [...x.shape], out);
}
