import * as tf from '@tensorflow/tfjs';
import type { Initializer } from '../model-options';
import { oneTensor } from './kiln-kernel';

export interface MultiHeadAttentionArgs {
  name?: string;
  /** Attention heads; the token width must be divisible by it. */
  heads: number;
  trainable?: boolean;
}

export interface MultiHeadAttentionInit {
  /** Initialiser of both kernels (not serialised: loading restores the weights). Default glorot_uniform. */
  kernelInitializer?: Initializer;
}

/**
 * Multi-head self-attention on `[batch, tokens, dim]`, all heads batched: one fused q/k/v
 * projection (`[dim, 3·dim]`), reshape to `[B, T, 3, H, Dh]` and transpose to `[3, B·H, T, Dh]`,
 * one batched matmul for the scores, softmax, one batched matmul with v, transpose back, output
 * projection. Same maths and parameter count as `torch.nn.MultiheadAttention` (with biases)
 * or as per-head Dense layers, but a few large kernels instead of dozens of small ones.
 */
export class MultiHeadAttention extends tf.layers.Layer {
  static readonly className = 'KilnMultiHeadAttention';
  readonly heads: number;
  private readonly kernelInitializer: Initializer;
  private qkvKernel!: tf.LayerVariable;
  private qkvBias!: tf.LayerVariable;
  private outKernel!: tf.LayerVariable;
  private outBias!: tf.LayerVariable;

  constructor(args: MultiHeadAttentionArgs, init: MultiHeadAttentionInit = {}) {
    super(args);
    if (!Number.isInteger(args.heads) || args.heads < 1) {
      throw new Error(`MultiHeadAttention: heads must be a positive integer, got ${args.heads}`);
    }
    this.heads = args.heads;
    this.kernelInitializer = init.kernelInitializer ?? tf.initializers.glorotUniform({});
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const dim = shape[shape.length - 1];
    if (shape.length !== 3 || dim == null) {
      throw new Error(`MultiHeadAttention '${this.name}': expects [batch, tokens, dim] with a known dim, got [${shape}]`);
    }
    if (dim % this.heads !== 0) throw new Error(`MultiHeadAttention '${this.name}': dim ${dim} is not divisible by heads ${this.heads}`);
    this.qkvKernel = this.addWeight('qkv_kernel', [dim, 3 * dim], 'float32', this.kernelInitializer);
    this.qkvBias = this.addWeight('qkv_bias', [3 * dim], 'float32', tf.initializers.zeros());
    this.outKernel = this.addWeight('out_kernel', [dim, dim], 'float32', this.kernelInitializer);
    this.outBias = this.addWeight('out_bias', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = oneTensor(inputs);
      const [b, t, dim] = x.shape;
      const h = this.heads;
      const dh = dim / h;
      const qkv = tf.add(tf.matMul(tf.reshape(x, [b * t, dim]), this.qkvKernel.read()), this.qkvBias.read());
      const split = tf.reshape(tf.transpose(tf.reshape(qkv, [b, t, 3, h, dh]), [2, 0, 3, 1, 4]), [3, b * h, t, dh]);
      const [q, k, v] = tf.unstack(split, 0);
      const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh));
      const mixed = tf.matMul(tf.softmax(scores), v); // [B·H, T, Dh]
      const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [b, h, t, dh]), [0, 2, 1, 3]), [b * t, dim]);
      const out = tf.add(tf.matMul(merged, this.outKernel.read()), this.outBias.read());
      return tf.reshape(out, [b, t, dim]);
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads };
  }
}
