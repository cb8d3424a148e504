import { backend_util } from '@tensorflow/tfjs-core';
import { activationCode } from '../op-codes.js';
import { convParams, convSupported } from '../conv-params.js';
import { f32, output, sizeOf, type NativeArgs } from '../kernel-util.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | number | backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function nhwc(dataFormat: unknown): boolean {
  return dataFormat === undefined || dataFormat === 'NHWC';
}

/** Conv2D and FusedConv2D (bias + relu/relu6/leakyrelu/sigmoid/elu fused). */
export function conv2d({ inputs, backend, attrs, addon }: NativeArgs) {
  const { x, filter, bias, preluActivationWeights } = inputs;
  if (!x || !filter || preluActivationWeights || !nhwc(attrs.dataFormat)) return null;
  const act = activationCode(attrs.activation as string | undefined);
  if (act < 0) return null;
  const xv = f32(backend, x), wv = f32(backend, filter);
  if (!xv || !wv) return null;
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4, filter.shape as Shape4, attrs.strides as [number, number],
    (attrs.dilations ?? 1) as [number, number], attrs.pad as Pad, attrs.dimRoundingMode as Rounding);
  if (!convSupported(info)) return null;
  let bv: Float32Array | null = null;
  if (bias) {
    bv = f32(backend, bias);
    if (!bv || sizeOf(bias.shape) !== info.outChannels) return null;
  }
  const y = backend.alloc(sizeOf(info.outShape));
  addon.convForward(convParams(info, 1, act, bv !== null), xv, wv, bv, y,
    (attrs.leakyreluAlpha as number | undefined) ?? 0.2);
  return output(backend, info.outShape, y);
}

/** Conv2DBackpropInput: dx from dy and filter. */
export function conv2dBackpropInput({ inputs, backend, attrs, addon }: NativeArgs) {
  const { dy, filter } = inputs;
  if (!dy || !filter || !nhwc(attrs.dataFormat)) return null;
  const dyv = f32(backend, dy), wv = f32(backend, filter);
  if (!dyv || !wv) return null;
  const inputShape = attrs.inputShape as Shape4;
  const info = backend_util.computeConv2DInfo(
    inputShape, filter.shape as Shape4, attrs.strides as [number, number], 1,
    attrs.pad as Pad, attrs.dimRoundingMode as Rounding);
  if (!convSupported(info)) return null;
  const dx = backend.alloc(sizeOf(inputShape));
  addon.convBackwardData(convParams(info, 1), dyv, wv, dx);
  return output(backend, [...inputShape], dx);
}

/** Conv2DBackpropFilter: dW from x and dy. */
export function conv2dBackpropFilter({ inputs, backend, attrs, addon }: NativeArgs) {
  const { x, dy } = inputs;
  if (!x || !dy || !nhwc(attrs.dataFormat)) return null;
  const xv = f32(backend, x), dyv = f32(backend, dy);
  if (!xv || !dyv) return null;
  const filterShape = attrs.filterShape as Shape4;
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4, filterShape, attrs.strides as [number, number], 1,
    attrs.pad as Pad, attrs.dimRoundingMode as Rounding);
  if (!convSupported(info)) return null;
  const dw = backend.alloc(sizeOf(filterShape));
  addon.convBackwardFilter(convParams(info, 1), xv, dyv, dw, null);
  return output(backend, [...filterShape], dw);
}

