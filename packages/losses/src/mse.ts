import * as tf from '@kiln/contracts/tf';
import { z } from '@kiln/core';
import { targetMatrix } from './targets';

const optionsSchema = z
  .object({
    /** Applied to the logits before comparing: `none` (raw outputs), `softmax` (Brier-style) or `sigmoid`. */
    activation: z.enum(['none', 'softmax', 'sigmoid']).default('none'),
    reduction: z.enum(['mean', 'sum']).default('mean'),
  })
  .strict();
export type MseOptions = z.input<typeof optionsSchema>;

/** Mean squared error between the (optionally activated) outputs and the target matrix (ids → one-hot). */
export class MseLoss {
  static readonly type = 'mse';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Mean squared error against one-hot or soft targets';
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: MseOptions = {}) {
    this.options = optionsSchema.parse(options);
  }

  compute(logits: tf.Tensor2D, targets: tf.Tensor1D | tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const { activation, reduction } = this.options;
      const t = targetMatrix(logits, targets, MseLoss.type);
      const x = logits.toFloat();
      const outputs = activation === 'softmax' ? tf.softmax(x) : activation === 'sigmoid' ? tf.sigmoid(x) : x;
      const squared = tf.squaredDifference(outputs, t);
      return reduction === 'sum' ? tf.sum(squared) : tf.mean(squared);
    });
  }
}
