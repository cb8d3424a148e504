import * as tf from '@kiln/contracts/tf';
import type { Initializer } from '../model-options';
import { oneTensor, tidyGrads } from './kiln-kernel';

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
    return tf.tidy(() =>
      selfAttention(oneTensor(inputs), this.qkvKernel.read(), this.qkvBias.read(), this.outKernel.read(), this.outBias.read(), this.heads),
    );
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads };
  }
}

/**
 * The attention maths with a hand-written gradient: the tape keeps only the block input, the
 * q/k/v tensor, the attention weights and the merged heads (what PyTorch keeps), not every
 * intermediate that tfjs's per-op gradients save (bias-add and reshape inputs, raw scores, …).
 */
export function selfAttention(x: tf.Tensor, wqkv: tf.Tensor, bqkv: tf.Tensor, wo: tf.Tensor, bo: tf.Tensor, heads: number): tf.Tensor {
  const [b, t, dim] = x.shape;
  const h = heads;
  const dh = dim / h;
  const scale = 1 / Math.sqrt(dh);
  const fn = tf.customGrad((...args) => {
    const [xi, wq, bq, wOut, bOut] = args as tf.Tensor[];
    const save = args[5] as unknown as tf.GradSaveFunc;
    const x2 = tf.reshape(xi, [b * t, dim]);
    const qkv = tf.add(tf.matMul(x2, wq), bq);
    // [B·T, 3·D] → [B, T, 3, H, Dh] → [3, B, H, T, Dh] → [3, B·H, T, Dh]
    const split = tf.reshape(tf.transpose(tf.reshape(qkv, [b, t, 3, h, dh]), [2, 0, 3, 1, 4]), [3, b * h, t, dh]);
    // split + reshape rather than unstack/stack: SplitV/Concat have native kernels, Unpack/Pack do not
    const [q, k, v] = tf.split(split, 3, 0).map((part) => tf.reshape(part, [b * h, t, dh]));
    const p = tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale)); // [B·H, T, T]
    const mixed = tf.matMul(p, v); // [B·H, T, Dh]
    const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [b, h, t, dh]), [0, 2, 1, 3]), [b * t, dim]);
    save([x2, split, p, merged, wq, wOut]);
    return {
      value: tf.reshape(tf.add(tf.matMul(merged, wOut), bOut), [b, t, dim]),
      gradFunc: tidyGrads((dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx2, sSplit, sp, sMerged, sWq, sWo] = saved;
        const dy2 = tf.reshape(dy, [b * t, dim]);
        const dbo = tf.sum(dy2, 0);
        const dwo = tf.matMul(sMerged, dy2, true, false);
        const dMerged = tf.matMul(dy2, sWo, false, true);
        const dMixed = tf.reshape(tf.transpose(tf.reshape(dMerged, [b, t, h, dh]), [0, 2, 1, 3]), [b * h, t, dh]);
        const [sq, sk, sv] = tf.split(sSplit, 3, 0).map((part) => tf.reshape(part, [b * h, t, dh]));
        const dp = tf.matMul(dMixed, sv, false, true);
        const dv = tf.matMul(sp, dMixed, true, false);
        // softmax backward: dS = P · (dP - Σ_j dP·P), times the 1/√Dh of the scores
        const ds = tf.mul(tf.mul(sp, tf.sub(dp, tf.sum(tf.mul(dp, sp), -1, true))), scale);
        const dq = tf.matMul(ds, sk);
        const dk = tf.matMul(ds, sq, true, false);
        // inverse of the forward layout change: [3, B, H, T, Dh] → [B, T, 3, H, Dh] → [B·T, 3·D]
        const dqkv = tf.reshape(tf.transpose(tf.reshape(tf.concat([dq, dk, dv], 0), [3, b, h, t, dh]), [1, 3, 0, 2, 4]), [b * t, 3 * dim]);
        const dbq = tf.sum(dqkv, 0);
        const dwq = tf.matMul(sx2, dqkv, true, false);
        const dx = tf.reshape(tf.matMul(dqkv, sWq, false, true), [b, t, dim]);
        return [dx, dwq, dbq, dwo, dbo];
      }),
    };
  });
  return fn(x, wqkv, bqkv, wo, bo);
}
