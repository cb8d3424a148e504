import type * as tf from '@tensorflow/tfjs';
import { QuantizeError } from './errors';
import type { PlannedOp } from './plan';

/** An op's float weights after folding, in tfjs layout, with the axis of its output channels. */
export interface OpWeights {
  /** conv [kh, kw, inC, outC], depthwise [kh, kw, inC·mult] (channel = c·mult + m), dense [in, out]. */
  data: Float32Array;
  dims: number[];
  /** Always the last axis: output channel = flat index % outChannels. */
  axis: number;
  bias?: Float32Array;
}

function named(layer: tf.layers.Layer, suffix: string): Float32Array {
  const w = layer.weights.find((v) => v.originalName.endsWith(`/${suffix}`) || v.name.endsWith(`/${suffix}`));
  if (!w) throw new QuantizeError(`int8: layer '${layer.name}' has no '${suffix}' weight`);
  return w.read().dataSync() as Float32Array;
}

/**
 * Folds an inference batch norm into the conv before it, per output channel c:
 * s = γ/√(σ²+ε), w' = w·s, b' = (b − μ)·s + β. Returns new arrays (the model is untouched).
 */
export function foldBatchNorm(w: Float32Array, bias: Float32Array | undefined, bn: { gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array; epsilon: number }): { w: Float32Array; bias: Float32Array } {
  const c = bn.gamma.length;
  if (w.length % c !== 0) throw new QuantizeError(`int8: batch norm has ${c} channels, the conv's weights ${w.length} values`);
  const s = bn.gamma.map((g, i) => g / Math.sqrt(bn.variance[i] + bn.epsilon));
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = w[i] * s[i % c];
  const b = new Float32Array(c);
  for (let i = 0; i < c; i++) b[i] = ((bias?.[i] ?? 0) - bn.mean[i]) * s[i] + bn.beta[i];
  return { w: out, bias: b };
}

export function opWeights(net: tf.LayersModel, op: PlannedOp): OpWeights {
  const layer = net.getLayer(op.layer);
  const cfg = layer.getConfig() as Record<string, unknown>;
  const kernelName = op.kind === 'depthwise' ? 'depthwise_kernel' : 'kernel';
  const kernel = layer.weights.find((v) => v.originalName.endsWith(`/${kernelName}`) || v.name.endsWith(`/${kernelName}`));
  if (!kernel) throw new QuantizeError(`int8: layer '${op.layer}' has no ${kernelName}`);
  const shape = kernel.shape as number[];
  const dims = op.kind === 'depthwise' ? [shape[0], shape[1], shape[2] * shape[3]] : shape;
  let data = kernel.read().dataSync() as Float32Array;
  let bias = cfg.useBias ? named(layer, 'bias') : undefined;
  if (op.batchNorm) {
    const bn = net.getLayer(op.batchNorm);
    const epsilon = Number((bn.getConfig() as { epsilon?: number }).epsilon ?? 1e-3);
    const f = foldBatchNorm(data, bias, { gamma: named(bn, 'gamma'), beta: named(bn, 'beta'), mean: named(bn, 'moving_mean'), variance: named(bn, 'moving_variance'), epsilon });
    data = f.w;
    bias = f.bias;
  }
  return { data, dims, axis: dims.length - 1, ...(bias ? { bias: Float32Array.from(bias) } : {}) };
}
