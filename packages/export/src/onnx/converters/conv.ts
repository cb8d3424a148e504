import type { ConvertContext, LayerConverter } from '../converter';
import type { Attr, Value } from '../graph';
import { onnxAxis } from '../graph';
import { permute } from '../permute';
import { applyActivation } from './activations';

const pair = (v: number | number[] | undefined, fallback: number): [number, number] =>
  v === undefined || v === null ? [fallback, fallback] : Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v];

function checkChannelsLast(ctx: ConvertContext): void {
  const f = ctx.config.dataFormat;
  if (f && f !== 'channelsLast') ctx.fail(`dataFormat '${f}' is not supported (Kiln models are channelsLast)`);
}

/**
 * Padding attributes: `valid` = none; `same` = TensorFlow's rule (total padding split with
 * the extra row/column at the end), written as explicit pads when the size is known.
 */
function paddingAttrs(ctx: ConvertContext, x: Value, kernel: [number, number], strides: [number, number], dilation: [number, number]): Record<string, Attr> {
  const padding = ctx.config.padding ?? 'valid';
  if (padding === 'valid') return {};
  if (padding !== 'same') ctx.fail(`padding '${padding}' is not supported`);
  const [h, w] = [x.shape[1], x.shape[2]];
  if (typeof h !== 'number' || typeof w !== 'number') return { auto_pad: { s: 'SAME_UPPER' } };
  const begin: number[] = [];
  const end: number[] = [];
  [h, w].forEach((size, i) => {
    const out = Math.ceil(size / strides[i]);
    const total = Math.max((out - 1) * strides[i] + (kernel[i] - 1) * dilation[i] + 1 - size, 0);
    begin.push(Math.floor(total / 2));
    end.push(total - Math.floor(total / 2));
  });
  return { pads: { ints: [...begin, ...end] } };
}

function convCommon(ctx: ConvertContext, weight: { data: Float32Array; shape: number[] }, group: number): Value {
  checkChannelsLast(ctx);
  const g = ctx.graph;
  const x = g.nchw(ctx.inputs[0]);
  const kernel = pair(ctx.config.kernelSize, 1);
  const strides = pair(ctx.config.strides, 1);
  const dilation = pair(ctx.config.dilationRate, 1);
  const w = g.floats(`${ctx.layer.name}_W`, weight.data, weight.shape);
  const inputs = [x.name, w];
  const bias = ctx.config.useBias === false ? undefined : ctx.maybeWeight('bias');
  if (bias) inputs.push(g.floats(`${ctx.layer.name}_B`, bias.data, bias.shape));
  const out = g.node('Conv', inputs, ctx.layer.name, {
    kernel_shape: { ints: kernel },
    strides: { ints: strides },
    dilations: { ints: dilation },
    group: { i: group },
    ...paddingAttrs(ctx, x, kernel, strides, dilation),
  });
  return applyActivation(ctx, { name: out, shape: ctx.outputShape, layout: 'nchw' }, ctx.config.activation);
}

/** `Conv2D`: kernel [kh, kw, in, out] → ONNX [out, in, kh, kw]. */
export const conv2d: LayerConverter = (ctx) => {
  const k = ctx.weight('kernel');
  return convCommon(ctx, permute(k.data, k.shape, [3, 2, 0, 1]), 1);
};

/** `DepthwiseConv2D`: kernel [kh, kw, in, mult] → grouped Conv, W [in·mult, 1, kh, kw] (channel i·mult + m). */
export const depthwiseConv2d: LayerConverter = (ctx) => {
  const k = ctx.weight('depthwise_kernel');
  const [kh, kw, cin, mult] = k.shape;
  const p = permute(k.data, k.shape, [2, 3, 0, 1]); // [in, mult, kh, kw]
  return convCommon(ctx, { data: p.data, shape: [cin * mult, 1, kh, kw] }, cin);
};

function pool2d(op: 'MaxPool' | 'AveragePool'): LayerConverter {
  return (ctx) => {
    checkChannelsLast(ctx);
    const x = ctx.graph.nchw(ctx.inputs[0]);
    const kernel = pair(ctx.config.poolSize, 2);
    const strides = pair(ctx.config.strides ?? ctx.config.poolSize, 2);
    const out = ctx.graph.node(op, [x.name], ctx.layer.name, {
      kernel_shape: { ints: kernel },
      strides: { ints: strides },
      ...paddingAttrs(ctx, x, kernel, strides, [1, 1]),
    });
    return { name: out, shape: ctx.outputShape, layout: 'nchw' };
  };
}

export const maxPooling2d = pool2d('MaxPool');
export const averagePooling2d = pool2d('AveragePool');

/** Global pooling over every axis between batch and channels (2D: H, W; 1D: tokens). */
function globalPool(op: 'ReduceMean' | 'ReduceMax', spatial: number[]): LayerConverter {
  return (ctx) => {
    checkChannelsLast(ctx);
    const x = ctx.inputs[0];
    if (x.shape.length !== spatial.length + 2) ctx.fail(`expects rank ${spatial.length + 2} input, got rank ${x.shape.length}`);
    if (ctx.config.keepDims) ctx.fail('keepDims is not supported');
    const axes = spatial.map((a) => onnxAxis(x, a));
    const out = ctx.graph.node(op, [x.name], ctx.layer.name, { axes: { ints: axes }, keepdims: { i: 0 } });
    return { name: out, shape: ctx.outputShape, layout: 'keras' };
  };
}

export const globalAveragePooling2d = globalPool('ReduceMean', [1, 2]);
export const globalMaxPooling2d = globalPool('ReduceMax', [1, 2]);
export const globalAveragePooling1d = globalPool('ReduceMean', [1]);
export const globalMaxPooling1d = globalPool('ReduceMax', [1]);

/** `ZeroPadding2D`: [[top, bottom], [left, right]] → Pad on the NCHW value. */
export const zeroPadding2d: LayerConverter = (ctx) => {
  checkChannelsLast(ctx);
  const g = ctx.graph;
  const x = g.nchw(ctx.inputs[0]);
  const p = ctx.config.padding as number | [number, number] | [[number, number], [number, number]];
  const [[t, b], [l, r]] = typeof p === 'number' ? [[p, p], [p, p]] : Array.isArray(p[0]) ? (p as [[number, number], [number, number]]) : [[p[0] as number, p[0] as number], [p[1] as number, p[1] as number]];
  const pads = g.int64s(`${ctx.layer.name}_pads`, [0, 0, t, l, 0, 0, b, r]);
  return { name: g.node('Pad', [x.name, pads], ctx.layer.name), shape: ctx.outputShape, layout: 'nchw' };
};
