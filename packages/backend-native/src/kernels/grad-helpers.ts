import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import { BINARY, REDUCE } from '../op-codes.js';
import { collapse, f32, output, sizeOf, stridesOf, type NativeArgs } from '../kernel-util.js';
import { broadcastStrides } from './elementwise.js';

/** KilnTileGrad: dx[i] = Σ over repeats of dy, one strided reduction. attrs { xShape, reps }. */
export function tileGrad({ inputs, backend, attrs, addon }: NativeArgs) {
  const dy = inputs.dy;
  const dv = f32(backend, dy);
  const xShape = attrs.xShape as number[], reps = attrs.reps as number[];
  if (!dy || !dv || xShape.length !== dy.shape.length || reps.length !== xShape.length) return null;
  if (dy.shape.some((d, i) => d !== xShape[i] * reps[i])) return null;
  const out = backend.alloc(sizeOf(xShape));
  if (out.length > 0 && sizeOf(reps) > 0) {
    const ds = stridesOf(dy.shape);
    const k = collapse(xShape, ds);
    const r = collapse(reps, ds.map((s, d) => s * xShape[d]));
    addon.reduceStrided(REDUCE.Sum, dv, k.shape, k.views[0], r.shape, r.views[0], out);
  } else {
    out.fill(0);
  }
  return output(backend, [...xShape], out);
}

/** KilnMeanGrad: dy broadcast back to `shape` over `axes`, divided by the count. */
export function meanGrad({ inputs, backend, attrs, addon }: NativeArgs) {
  const dy = inputs.dy;
  const dv = f32(backend, dy);
  if (!dy || !dv) return null;
  const shape = attrs.shape as number[], axes = attrs.axes as number[];
  const expanded = shape.slice();
  for (const a of axes) expanded[a] = 1;
  const count = sizeOf(backend_util.computeOutAndReduceShapes(shape, axes)[1]);
  const out = backend.alloc(sizeOf(shape));
  if (out.length > 0) {
    const st = broadcastStrides(expanded, [1], shape);
    addon.binaryStrided(BINARY.RealDiv, dv, Float32Array.of(count), out, st.shape, st.stridesA, st.stridesB);
  }
  return output(backend, [...shape], out);
}

const v = (args: NativeArgs, k: string) => f32(args.backend, args.inputs[k]);

/** KilnFusedBatchNormGrad: per-channel FusedBatchNorm gradient -> [dx, dmean, dvar, dscale, doffset]. */
export function batchNormGrad(args: NativeArgs) {
  const { inputs, backend, attrs, addon } = args;
  const x = inputs.x as TensorInfo;
  const c = x.shape[x.shape.length - 1];
  const xv = v(args, 'x'), dy = v(args, 'dy'), mean = v(args, 'mean'), variance = v(args, 'variance');
  if (!xv || !dy || !mean || !variance) return null;
  const dx = backend.alloc(xv.length);
  const stats = [0, 1, 2, 3].map(() => backend.alloc(c));
  addon.batchNormGrad(xv, dy, mean, variance, inputs.scale ? v(args, 'scale') : null,
    (attrs.varianceEpsilon as number | undefined) ?? 0.001, c, dx, stats[0], stats[1], stats[2], stats[3]);
  return [output(backend, [...x.shape], dx), ...stats.map((s) => output(backend, [c], s))];
}

/** KilnFusedBatchNormGradFull: all parameters x-shaped -> [dx, dmean, dvar, dscale]. */
export function batchNormGradFull(args: NativeArgs) {
  const { inputs, backend, attrs, addon } = args;
  const x = inputs.x as TensorInfo;
  const xv = v(args, 'x'), dy = v(args, 'dy'), mean = v(args, 'mean'), variance = v(args, 'variance');
  if (!xv || !dy || !mean || !variance) return null;
  const outs = [0, 1, 2, 3].map(() => backend.alloc(xv.length));
  addon.batchNormGradFull(xv, dy, mean, variance, inputs.scale ? v(args, 'scale') : null,
    (attrs.varianceEpsilon as number | undefined) ?? 0.001, outs[0], outs[1], outs[2], outs[3]);
  return outs.map((o) => output(backend, [...x.shape], o));
}
