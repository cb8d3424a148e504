import { backend_util } from '@tensorflow/tfjs-core';
import { poolParams } from '../conv-params.js';
import { f32, output, sizeOf, type NativeArgs } from '../kernel-util.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function poolInfo(shape: number[], attrs: NativeArgs['attrs']) {
  const info = backend_util.computePool2DInfo(
    shape as Shape4, attrs.filterSize as [number, number], attrs.strides as [number, number], 1,
    attrs.pad as Pad, attrs.dimRoundingMode as Rounding);
  const ok = info.outHeight > 0 && info.outWidth > 0 && Number.isInteger(info.outHeight) && Number.isInteger(info.outWidth);
  return ok && info.dataFormat === 'channelsLast' ? info : null;
}

export function maxPool({ inputs, backend, attrs, addon }: NativeArgs) {
  const xv = f32(backend, inputs.x);
  const info = xv && inputs.x ? poolInfo(inputs.x.shape, attrs) : null;
  if (!xv || !info) return null;
  const y = backend.alloc(sizeOf(info.outShape));
  addon.maxPool(poolParams(info), xv, y);
  return output(backend, info.outShape, y);
}

export function avgPool({ inputs, backend, attrs, addon }: NativeArgs) {
  const xv = f32(backend, inputs.x);
  const info = xv && inputs.x ? poolInfo(inputs.x.shape, attrs) : null;
  if (!xv || !info) return null;
  const y = backend.alloc(sizeOf(info.outShape));
  addon.avgPool(poolParams(info), xv, y);
  return output(backend, info.outShape, y);
}

/** MaxPoolGrad: dy goes to the first maximum of each window (as tfjs-cpu). */
export function maxPoolGrad({ inputs, backend, attrs, addon }: NativeArgs) {
  const { dy, input } = inputs;
  const dyv = f32(backend, dy), xv = f32(backend, input);
  const info = xv && input ? poolInfo(input.shape, attrs) : null;
  if (!dyv || !xv || !info || !input) return null;
  const dx = backend.alloc(sizeOf(input.shape));
  addon.maxPoolGrad(poolParams(info), xv, dyv, dx);
  return output(backend, [...input.shape], dx);
}

/** AvgPoolGrad (divides by the full window size, as tfjs-cpu does). */
export function avgPoolGrad({ inputs, backend, attrs, addon }: NativeArgs) {
  const { dy, input } = inputs;
  const dyv = f32(backend, dy);
  const info = input ? poolInfo(input.shape, attrs) : null;
  if (!dyv || !info || !input) return null;
  const dx = backend.alloc(sizeOf(input.shape));
  addon.avgPoolGrad(poolParams(info), dyv, dx);
  return output(backend, [...input.shape], dx);
}
