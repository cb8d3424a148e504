import { backend_util } from '@tensorflow/tfjs-core';
import { activationCode } from '../op-codes.js';
import { convParams, convSupported } from '../conv-params.js';
import { f32, output, sizeOf, type NativeArgs } from '../kernel-util.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function info(xShape: Shape4, fShape: Shape4, attrs: NativeArgs['attrs']) {
  return backend_util.computeConv2DInfo(
    xShape, fShape, attrs.strides as [number, number], (attrs.dilations ?? 1) as [number, number],
    attrs.pad as Pad, attrs.dimRoundingMode as Rounding, true);
}

/** DepthwiseConv2dNative and FusedDepthwiseConv2D as a grouped oneDNN conv. */
export function depthwiseConv2d({ inputs, backend, attrs, addon }: NativeArgs) {
  const { x, filter, bias, preluActivationWeights } = inputs;
  if (!x || !filter || preluActivationWeights) return null;
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') return null;
  const act = activationCode(attrs.activation as string | undefined);
  const xv = f32(backend, x), wv = f32(backend, filter);
  if (act < 0 || !xv || !wv) return null;
  const ci = info(x.shape as Shape4, filter.shape as Shape4, attrs);
  if (!convSupported(ci)) return null;
  let bv: Float32Array | null = null;
  if (bias) {
    bv = f32(backend, bias);
    if (!bv || sizeOf(bias.shape) !== ci.outChannels) return null;
  }
  const y = backend.alloc(sizeOf(ci.outShape));
  addon.convForward(convParams(ci, ci.inChannels, act, bv !== null), xv, wv, bv, y,
    (attrs.leakyreluAlpha as number | undefined) ?? 0.2);
  return output(backend, ci.outShape, y);
}

/** DepthwiseConv2dNativeBackpropInput. */
export function depthwiseBackpropInput({ inputs, backend, attrs, addon }: NativeArgs) {
  const { dy, filter } = inputs;
  const dyv = f32(backend, dy), wv = f32(backend, filter);
  if (!dy || !filter || !dyv || !wv) return null;
  const inputShape = attrs.inputShape as Shape4;
  const ci = info(inputShape, filter.shape as Shape4, attrs);
  if (!convSupported(ci)) return null;
  const dx = backend.alloc(sizeOf(inputShape));
  addon.convBackwardData(convParams(ci, ci.inChannels), dyv, wv, dx);
  return output(backend, [...inputShape], dx);
}

/** DepthwiseConv2dNativeBackpropFilter. */
export function depthwiseBackpropFilter({ inputs, backend, attrs, addon }: NativeArgs) {
  const { x, dy } = inputs;
  const xv = f32(backend, x), dyv = f32(backend, dy);
  if (!x || !dy || !xv || !dyv) return null;
  const filterShape = attrs.filterShape as Shape4;
  const ci = info(x.shape as Shape4, filterShape, attrs);
  if (!convSupported(ci)) return null;
  const dw = backend.alloc(sizeOf(filterShape));
  addon.convBackwardFilter(convParams(ci, ci.inChannels), xv, dyv, dw, null);
  return output(backend, [...filterShape], dw);
}
