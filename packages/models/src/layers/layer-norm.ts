import * as tf from '@kiln/contracts/tf';
import { KILN_KERNELS, type LayerNormAttrs } from '@kiln/contracts';
import { hasKilnKernel, oneTensor, runKilnKernel, tidyGrads } from './kiln-kernel';

export interface LayerNormArgs {
  name?: string;
  /** Added to the variance (PyTorch's default 1e-5). */
  epsilon?: number;
  trainable?: boolean;
}

/**
 * `y = (x - mean(x)) / sqrt(var(x) + epsilon) · gamma + beta` over the last axis (biased
 * variance, as `torch.nn.LayerNorm`). Unlike tfjs-layers' LayerNormalization it broadcasts
 * instead of tiling the statistics (the gradient of Tile is one Slice + Add per repeat), and
 * its gradient is the closed form (a handful of ops), or the backend's fused
 * `KilnLayerNorm` kernel and gradient when registered.
 */
export class LayerNorm extends tf.layers.Layer {
  static readonly className = 'KilnLayerNorm';
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;

  constructor(args: LayerNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-5;
    if (!(this.epsilon > 0)) throw new Error(`LayerNorm: epsilon must be > 0, got ${this.epsilon}`);
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const channels = shape[shape.length - 1];
    if (channels == null) throw new Error(`LayerNorm '${this.name}': the last input dimension must be known`);
    this.gamma = this.addWeight('gamma', [channels], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => layerNorm(oneTensor(inputs), this.gamma.read(), this.beta.read(), this.epsilon));
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

/** Layer norm over the last axis: the fused kernel when the backend has it, else `layerNormOps`. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  if (hasKilnKernel(KILN_KERNELS.LayerNorm)) {
    const attrs: LayerNormAttrs = { epsilon };
    return runKilnKernel(KILN_KERNELS.LayerNorm, { x, gamma, beta }, attrs) as tf.Tensor;
  }
  return layerNormOps(x, gamma, beta, epsilon);
}

/** Standard-op layer norm with the closed-form gradient (same numbers on every backend). */
export function layerNormOps(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const fn = tf.customGrad((xi, g, b, save) => {
    const xt = xi as tf.Tensor;
    const axis = xt.rank - 1;
    const centered = tf.sub(xt, tf.mean(xt, axis, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), axis, true), epsilon));
    const xhat = tf.mul(centered, rstd);
    (save as tf.GradSaveFunc)([xhat, rstd, g as tf.Tensor]);
    return {
      value: tf.add(tf.mul(xhat, g as tf.Tensor), b as tf.Tensor),
      gradFunc: tidyGrads((dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, rs, gm] = saved;
        const channels = gm.shape[0];
        const dy2 = tf.reshape(dy, [-1, channels]);
        const dgamma = tf.sum(tf.mul(dy2, tf.reshape(xh, [-1, channels])), 0);
        const dbeta = tf.sum(dy2, 0);
        // dx = rstd · (dxhat - mean(dxhat) - xhat · mean(dxhat · xhat)), dxhat = dy · gamma
        const dxhat = tf.mul(dy, gm);
        const last = dy.rank - 1;
        const dx = tf.mul(
          rs,
          tf.sub(tf.sub(dxhat, tf.mean(dxhat, last, true)), tf.mul(xh, tf.mean(tf.mul(dxhat, xh), last, true))),
        );
        return [dx, dgamma, dbeta];
      }),
    };
  });
  return fn(x, gamma, beta);
}
