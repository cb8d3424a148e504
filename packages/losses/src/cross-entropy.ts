import * as tf from '@kiln/contracts/tf';
import { z } from '@kiln/core';
import { perClassVector, targetMatrix } from './targets';

const optionsSchema = z
  .object({
    /** ε: targets become (1-ε)·t + ε/k. */
    labelSmoothing: z.number().min(0).max(1).default(0),
    /** One weight per class (PyTorch `weight`), or null. */
    classWeights: z.array(z.number().nonnegative()).nullable().default(null),
    reduction: z.enum(['mean', 'sum']).default('mean'),
  })
  .strict();
export type CrossEntropyOptions = z.input<typeof optionsSchema>;

/**
 * Softmax cross-entropy from logits, via log-softmax so extreme logits stay finite.
 * Accepts class ids or soft targets (MixUp/CutMix); a one-hot soft target gives exactly
 * the loss of its class id. With `classWeights`, a sample's loss is weighted by
 * Σ_c w_c·t_c (its class's weight for hard targets) and `mean` divides by the sum of
 * those weights, as PyTorch does; the weights come from the targets before smoothing.
 */
export class CrossEntropyLoss {
  static readonly type = 'cross_entropy';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Softmax cross-entropy from logits (label smoothing, class weights, soft targets)';
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: CrossEntropyOptions = {}) {
    this.options = optionsSchema.parse(options);
  }

  compute(logits: tf.Tensor2D, targets: tf.Tensor1D | tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const { labelSmoothing, classWeights, reduction } = this.options;
      const t = targetMatrix(logits, targets, CrossEntropyLoss.type);
      const k = logits.shape[1];
      const logProbs = tf.logSoftmax(logits.toFloat());
      const smoothed = labelSmoothing > 0 ? tf.add(tf.mul(t, 1 - labelSmoothing), labelSmoothing / k) : t;
      if (!classWeights) {
        const perSample = tf.neg(tf.sum(tf.mul(smoothed, logProbs), -1));
        return reduction === 'sum' ? tf.sum(perSample) : tf.mean(perSample);
      }
      const w = perClassVector(classWeights, k, CrossEntropyLoss.type, 'classWeights');
      const perSample = tf.neg(tf.sum(tf.mul(tf.mul(smoothed, w), logProbs), -1));
      if (reduction === 'sum') return tf.sum(perSample);
      const sampleWeight = tf.sum(tf.mul(t, w));
      return tf.div(tf.sum(perSample), sampleWeight) as tf.Scalar;
    });
  }
}
