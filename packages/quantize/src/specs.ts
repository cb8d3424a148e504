import type * as tf from '@tensorflow/tfjs';
import { attentionWeights } from './attention';
import { opWeights } from './fold';
import type { Int8ConvSpec, Int8DenseSpec, Int8Padding } from './kernels';
import type { PlannedOp } from './plan';
import { quantizePerChannel, type Int8Input } from './quant-math';

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[v.length > 1 ? 1 : 0])] : [Number(v ?? 1), Number(v ?? 1)]);

/** tfjs 'same': out = ⌈in/stride⌉, the odd pixel of padding goes to the bottom/right. */
export function samePadding(inSize: number, k: number, stride: number, dilation: number): [number, number] {
  const eff = (k - 1) * dilation + 1;
  const out = Math.ceil(inSize / stride);
  const total = Math.max(0, (out - 1) * stride + eff - inSize);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

/** The two int8 dense specs of an attention layer's projections. */
export function attentionSpecs(net: tf.LayersModel, op: PlannedOp, qkvInput: Int8Input, outInput: Int8Input, qmax: number): { qkv: Int8DenseSpec; out: Int8DenseSpec; dim: number; heads: number } {
  const a = attentionWeights(net.getLayer(op.layer));
  const dense = (w: Float32Array, bias: Float32Array, n: number, input: Int8Input): Int8DenseSpec => {
    const { q, scale } = quantizePerChannel(w, [a.dim, n], 1, qmax);
    return { inFeatures: a.dim, outFeatures: n, weights: q, weightScales: scale, bias, input, activation: 'linear' };
  };
  return { qkv: dense(a.wqkv, a.bqkv, 3 * a.dim, qkvInput), out: dense(a.wo, a.bo, a.dim, outInput), dim: a.dim, heads: a.heads };
}

/** The int8 kernel spec of a planned conv/depthwise/dense: folded weights quantized per output channel. */
export function opSpec(net: tf.LayersModel, op: PlannedOp, input: Int8Input, qmax: number): { kind: 'conv'; spec: Int8ConvSpec } | { kind: 'dense'; spec: Int8DenseSpec } {
  const layer = net.getLayer(op.layer);
  const w = opWeights(net, op);
  const { q, scale } = quantizePerChannel(w.data, w.dims, w.axis, qmax);
  const common = { weights: q, weightScales: scale, input, activation: op.activation, ...(w.bias ? { bias: w.bias } : {}) };
  if (op.kind === 'dense') return { kind: 'dense', spec: { inFeatures: w.dims[0], outFeatures: w.dims[1], ...common } };
  const cfg = layer.getConfig() as Record<string, unknown>;
  const [, inH, inW, inC] = (layer.input as tf.SymbolicTensor).shape as number[];
  const [kh, kw] = pair(cfg.kernelSize);
  const [strideH, strideW] = pair(cfg.strides);
  const [dilationH, dilationW] = pair(cfg.dilationRate);
  const [top, bottom] = cfg.padding === 'same' ? samePadding(inH, kh, strideH, dilationH) : [0, 0];
  const [left, right] = cfg.padding === 'same' ? samePadding(inW, kw, strideW, dilationW) : [0, 0];
  const pad: Int8Padding = { top, bottom, left, right };
  const outC = w.dims[w.dims.length - 1];
  return { kind: 'conv', spec: { inH, inW, inC, outC, kh, kw, strideH, strideW, dilationH, dilationW, pad, groups: op.kind === 'depthwise' ? inC : 1, ...common } };
}
