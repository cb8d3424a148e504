import * as tf from '@tensorflow/tfjs';
import { QuantizeError } from './errors';

/** Range keys of the two int8 projections of an attention layer. */
export const qkvKey = (layer: string) => `${layer}:qkv`;
export const outKey = (layer: string) => `${layer}:out`;

export interface AttentionWeights {
  dim: number;
  heads: number;
  wqkv: Float32Array;
  bqkv: Float32Array;
  wo: Float32Array;
  bo: Float32Array;
}

function weight(layer: tf.layers.Layer, suffix: string): Float32Array {
  const w = layer.weights.find((v) => v.originalName.endsWith(`/${suffix}`) || v.name.endsWith(`/${suffix}`));
  if (!w) throw new QuantizeError(`int8: attention layer '${layer.name}' has no '${suffix}' weight`);
  return Float32Array.from(w.read().dataSync() as Float32Array);
}

/** KilnMultiHeadAttention's projections (`qkv_kernel` [D, 3D], `out_kernel` [D, D] and biases). */
export function attentionWeights(layer: tf.layers.Layer): AttentionWeights {
  const heads = Number((layer.getConfig() as { heads?: number }).heads);
  const wo = weight(layer, 'out_kernel');
  const dim = Math.round(Math.sqrt(wo.length));
  if (!(heads >= 1) || dim * dim !== wo.length) throw new QuantizeError(`int8: attention layer '${layer.name}' has an unexpected layout`);
  return { dim, heads, wqkv: weight(layer, 'qkv_kernel'), bqkv: weight(layer, 'qkv_bias'), wo, bo: weight(layer, 'out_bias') };
}

/**
 * The part of KilnMultiHeadAttention between its projections, forward only: q/k/v [B·T, 3D] →
 * softmax(q·kᵀ/√Dh)·v per head → merged heads [B·T, D]. The same ops in the same order as the
 * layer's `selfAttention` (so fp32 results are equal), without its gradient bookkeeping.
 */
export function attentionCore(qkv: tf.Tensor, b: number, t: number, dim: number, heads: number): tf.Tensor2D {
  const dh = dim / heads;
  const split = tf.reshape(tf.transpose(tf.reshape(qkv, [b, t, 3, heads, dh]), [2, 0, 3, 1, 4]), [3, b * heads, t, dh]);
  const [q, k, v] = tf.split(split, 3, 0).map((part) => tf.reshape(part, [b * heads, t, dh]));
  const p = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)));
  const mixed = tf.matMul(p, v);
  return tf.reshape(tf.transpose(tf.reshape(mixed, [b, heads, t, dh]), [0, 2, 1, 3]), [b * t, dim]) as tf.Tensor2D;
}

/**
 * Attention with each projection given as a function of its [B·T, D] input: fp32 matmuls for
 * calibration (recording both inputs), int8 kernels at inference.
 */
export function attentionWith(x: tf.Tensor, dim: number, heads: number, qkv: (x2: tf.Tensor2D) => tf.Tensor, out: (merged: tf.Tensor2D) => tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [b, t] = x.shape;
    const merged = attentionCore(qkv(tf.reshape(x, [b * t, dim]) as tf.Tensor2D), b, t, dim, heads);
    return tf.reshape(out(merged), [b, t, dim]);
  });
}
