import * as tf from '@kiln/contracts/tf';
import { KILN_KERNELS, type BatchNormTrainAttrs } from '@kiln/contracts';
import { hasKilnKernel, oneTensor, runKilnKernel, tidyGrads } from './kiln-kernel';

export interface BatchNormArgs {
  name?: string;
  /** Keras convention: `moving = momentum·moving + (1 - momentum)·batch` (PyTorch's 0.1 is 0.9 here). */
  momentum?: number;
  epsilon?: number;
  trainable?: boolean;
}

/**
 * Batch normalisation over every axis but the last (channels-last), same weights and
 * numbers as tfjs-layers' BatchNormalization (gamma, beta, moving_mean, moving_variance;
 * the moving variance tracks the biased batch variance, as tfjs does). In training its
 * gradient is the closed form, so the tape keeps only the input and two per-channel vectors;
 * tfjs-layers' version also keeps `x - mean` (saved by the Square inside `tf.moments`), one
 * extra activation-sized buffer per layer.
 */
export class BatchNorm extends tf.layers.Layer {
  static readonly className = 'KilnBatchNorm';
  readonly momentum: number;
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;
  private movingMean!: tf.LayerVariable;
  private movingVariance!: tf.LayerVariable;

  constructor(args: BatchNormArgs = {}) {
    super(args);
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new Error(`BatchNorm: momentum must be in [0, 1], got ${this.momentum}`);
    if (!(this.epsilon > 0)) throw new Error(`BatchNorm: epsilon must be > 0, got ${this.epsilon}`);
    this.supportsMasking = true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const c = shape[shape.length - 1];
    if (c == null) throw new Error(`BatchNorm '${this.name}': the channel dimension must be known`);
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros());
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', tf.initializers.zeros(), undefined, false);
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', tf.initializers.ones(), undefined, false);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean } = {}): tf.Tensor {
    return tf.tidy(() => {
      const x = oneTensor(inputs);
      const gamma = this.gamma.read();
      const beta = this.beta.read();
      if (!kwargs.training) {
        return tf.batchNorm(x, this.movingMean.read(), this.movingVariance.read(), beta, gamma, this.epsilon);
      }
      return batchNormTraining(x, gamma, beta, this.epsilon, (mean, variance) => {
        // The statistics update runs once, in the (untaped) forward pass.
        const decay = 1 - this.momentum;
        const m = this.movingMean.read();
        const v = this.movingVariance.read();
        this.movingMean.write(tf.sub(m, tf.mul(tf.sub(m, mean), decay)));
        this.movingVariance.write(tf.sub(v, tf.mul(tf.sub(v, variance), decay)));
      });
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), momentum: this.momentum, epsilon: this.epsilon };
  }
}

/**
 * Training-mode batch norm with batch statistics and a closed-form gradient: the backend's
 * `KilnBatchNormTrain` kernel (statistics, output and the whole gradient each one kernel) when it
 * has one, otherwise standard ops. Every full-size
 * pass is either a same-shape op or a per-channel affine map `a·t + c`, written as
 * `tf.batchNorm(t, 0, 0, c, a, 1)` — one FusedBatchNorm kernel, which fast backends run natively,
 * instead of broadcasting binary ops. With `s = Σ dy`, `p = Σ dy·x` over all but the channel axis
 * and n values per channel:
 * `dβ = s`, `dγ = rstd·(p - mean·s)`, `dx = γ·rstd·(dy - s/n - x̂·dγ/n)`, `x̂ = (x - mean)·rstd`.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  onStatistics?: (mean: tf.Tensor, variance: tf.Tensor) => void,
): tf.Tensor {
  // An empty batch has no statistics to compute natively; the formulas below give tfjs's NaNs.
  if (x.size > 0 && hasKilnKernel(KILN_KERNELS.BatchNormTrain)) {
    const attrs: BatchNormTrainAttrs = { epsilon };
    const [y, mean, variance] = runKilnKernel(KILN_KERNELS.BatchNormTrain, { x, gamma, beta }, attrs) as tf.Tensor[];
    onStatistics?.(mean, variance);
    return y;
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const channels = x.shape[x.rank - 1];
  const n = x.size / channels;
  const fn = tf.customGrad((xi, g, b, save) => {
    const xt = xi as tf.Tensor;
    const mean = tf.mean(xt, axes);
    const centered = affine(xt, tf.onesLike(mean), tf.neg(mean));
    const variance = tf.mean(tf.mul(centered, centered), axes);
    onStatistics?.(mean, variance);
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    (save as tf.GradSaveFunc)([xt, mean, rstd, g as tf.Tensor]);
    return {
      value: tf.batchNorm(xt, mean, variance, b as tf.Tensor, g as tf.Tensor, epsilon),
      gradFunc: tidyGrads((dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sMean, sRstd, sGamma] = saved;
        const s = tf.sum(dy, axes);
        const p = tf.sum(tf.mul(dy, sx), axes);
        const dgamma = tf.mul(sRstd, tf.sub(p, tf.mul(sMean, s)));
        // dx = k·dy + a·x + c with k = γ·rstd, a = -k·rstd·dγ/n, c = -k·s/n - a·mean
        const k = tf.mul(sGamma, sRstd);
        const a = tf.neg(tf.mul(tf.mul(k, sRstd), tf.div(dgamma, n)));
        const c = tf.sub(tf.neg(tf.mul(k, tf.div(s, n))), tf.mul(a, sMean));
        const dx = tf.add(affine(dy, k, c), affine(sx, a, tf.zerosLike(c)));
        return [dx, dgamma, s];
      }),
    };
  });
  return fn(x, gamma, beta);
}

/** `scale·t + offset` per channel (last axis) as one FusedBatchNorm: mean 0, variance 0, epsilon 1. */
function affine(t: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor): tf.Tensor {
  const zero = tf.zerosLike(scale);
  return tf.batchNorm(t, zero, zero, offset, scale, 1);
}
