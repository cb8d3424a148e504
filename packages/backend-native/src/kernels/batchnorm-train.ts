import type { BatchNormTrainAttrs } from '@kiln/contracts';
import { f32, output, type NativeArgs } from '../kernel-util.js';

/** The channel count of a per-channel batch norm, or an error naming the shapes. */
function channels(kernel: string, shape: number[], paramLengths: number[]): number {
  const c = shape[shape.length - 1];
  if (paramLengths.some((n) => n !== c)) {
    throw new Error(`${kernel}: gamma and beta need ${c} values (the last dim of x [${shape.join(', ')}]), got ${paramLengths.join(' and ')}`);
  }
  return c;
}

/** KilnBatchNormTrain: inputs { x, gamma, beta } -> [y, mean, variance] (batch statistics per channel, last axis). */
export function batchNormTrain({ inputs, backend, attrs, addon }: NativeArgs) {
  const { x, gamma, beta } = inputs;
  const xv = f32(backend, x), gv = f32(backend, gamma), bv = f32(backend, beta);
  if (!x || !gamma || !xv || !gv || !bv || x.shape.length === 0 || xv.length === 0) return null;
  const c = channels('KilnBatchNormTrain', x.shape, [gv.length, bv.length]);
  const y = backend.alloc(xv.length), mean = backend.alloc(c), variance = backend.alloc(c);
  addon.batchNormTrain(xv, gv, bv, c, (attrs as unknown as BatchNormTrainAttrs).epsilon, y, mean, variance);
  return [output(backend, [...x.shape], y), output(backend, [c], mean), output(backend, [c], variance)];
}

/**
 * KilnBatchNormTrainGrad (gradient helper): inputs { x, dy, gamma, mean, variance } plus the
 * gradients of the statistics outputs { dmean, dvariance } when they have any -> [dx, dgamma, dbeta].
 */
export function batchNormTrainGrad({ inputs, backend, attrs, addon }: NativeArgs) {
  const { x, dy, gamma, mean, variance, dmean, dvariance } = inputs;
  const xv = f32(backend, x), dv = f32(backend, dy), gv = f32(backend, gamma), mv = f32(backend, mean), vv = f32(backend, variance);
  if (!x || !gamma || !xv || !dv || !gv || !mv || !vv || xv.length === 0) return null;
  const dmv = dmean ? f32(backend, dmean) : null, dvv = dvariance ? f32(backend, dvariance) : null;
  if ((dmean && !dmv) || (dvariance && !dvv)) return null;
  const c = channels('KilnBatchNormTrainGrad', x.shape, [gv.length]);
  const dx = backend.alloc(xv.length), dg = backend.alloc(c), db = backend.alloc(c);
  addon.batchNormTrainGrad(xv, dv, gv, mv, vv, dmv, dvv, c, (attrs as unknown as BatchNormTrainAttrs).epsilon, dx, dg, db);
  return [output(backend, [...x.shape], dx), output(backend, [...gamma.shape], dg), output(backend, [...gamma.shape], db)];
}
