import * as tf from '@kiln/contracts/tf';
import { z } from '@kiln/core';
import { perClassVector, targetMatrix } from './targets';

const optionsSchema = z
  .object({
    /** Focusing exponent: (1 - p)^γ down-weights easy examples; 0 gives cross-entropy. */
    gamma: z.number().min(0).default(2),
    /** Class balance: null (none), one number (scales every class), or one weight per class. */
    alpha: z.union([z.number().nonnegative(), z.array(z.number().nonnegative())]).nullable().default(null),
    reduction: z.enum(['mean', 'sum']).default('mean'),
  })
  .strict();
export type FocalOptions = z.input<typeof optionsSchema>;

/** Keeps (1 - p) away from 0 so (1 - p)^γ has a finite gradient for γ < 1 at p = 1. */
const MIN_ONE_MINUS_P = 1e-12;

/**
 * Softmax focal loss (Lin et al. 2017): -Σ_c t_c·α_c·(1 - p_c)^γ·log p_c per sample, with
 * log p from log-softmax. Works with class ids and soft targets.
 */
export class FocalLoss {
  static readonly type = 'focal';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Softmax focal loss from logits (gamma, alpha)';
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: FocalOptions = {}) {
    this.options = optionsSchema.parse(options);
  }

  compute(logits: tf.Tensor2D, targets: tf.Tensor1D | tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const { gamma, alpha, reduction } = this.options;
      const t = targetMatrix(logits, targets, FocalLoss.type);
      const k = logits.shape[1];
      const logProbs = tf.logSoftmax(logits.toFloat());
      const oneMinusP = tf.maximum(tf.sub(1, tf.exp(logProbs)), MIN_ONE_MINUS_P);
      const modulating = gamma === 0 ? tf.onesLike(logProbs) : tf.pow(oneMinusP, gamma);
      let perClass = tf.mul(tf.mul(t, modulating), logProbs);
      if (typeof alpha === 'number') perClass = tf.mul(perClass, alpha);
      else if (Array.isArray(alpha)) perClass = tf.mul(perClass, perClassVector(alpha, k, FocalLoss.type, 'alpha'));
      const perSample = tf.neg(tf.sum(perClass, -1));
      return reduction === 'sum' ? tf.sum(perSample) : tf.mean(perSample);
    });
  }
}
