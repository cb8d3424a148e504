import * as tf from '@kiln/contracts/tf';
import { z } from '@kiln/core';
import { perClassVector, targetMatrix } from './targets';

const optionsSchema = z
  .object({
    /** Weight of the positive term, per class or one number (PyTorch `pos_weight`); null = 1. */
    posWeight: z.union([z.number().nonnegative(), z.array(z.number().nonnegative())]).nullable().default(null),
    reduction: z.enum(['mean', 'sum']).default('mean'),
  })
  .strict();
export type BceOptions = z.input<typeof optionsSchema>;

/**
 * Multi-label binary cross-entropy from logits (one sigmoid per class), averaged over all
 * batch × class elements. Uses the stable form
 *   (1 - t)·x + (1 + (pw - 1)·t)·(log(1 + e^-|x|) + max(-x, 0)),
 * which never exponentiates a large positive number. Class ids become one-hot targets.
 */
export class BceLoss {
  static readonly type = 'bce';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Multi-label binary cross-entropy from logits (posWeight)';
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: BceOptions = {}) {
    this.options = optionsSchema.parse(options);
  }

  compute(logits: tf.Tensor2D, targets: tf.Tensor1D | tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const { posWeight, reduction } = this.options;
      const t = targetMatrix(logits, targets, BceLoss.type);
      const x = logits.toFloat();
      const softplusNegX = tf.add(tf.log1p(tf.exp(tf.neg(tf.abs(x)))), tf.relu(tf.neg(x)));
      let positiveScale: tf.Tensor = tf.onesLike(t);
      if (posWeight !== null) {
        const pw =
          typeof posWeight === 'number'
            ? tf.scalar(posWeight)
            : perClassVector(posWeight, x.shape[1], BceLoss.type, 'posWeight');
        positiveScale = tf.add(1, tf.mul(tf.sub(pw, 1), t));
      }
      const elementwise = tf.add(tf.mul(tf.sub(1, t), x), tf.mul(positiveScale, softplusNegX));
      return reduction === 'sum' ? tf.sum(elementwise) : tf.mean(elementwise);
    });
  }
}
