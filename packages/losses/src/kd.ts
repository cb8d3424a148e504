import * as tf from '@kiln/contracts/tf';
import { DataError, z } from '@kiln/core';
import type { LossExtras } from '@kiln/contracts';
import { targetMatrix } from './targets';

const optionsSchema = z
  .object({
    /** T: both logit sets are divided by it before the softmax; the soft term is scaled by T² (Hinton et al.). */
    temperature: z.number().positive().default(4),
    /** Weight of the soft (teacher) term; the hard-label cross-entropy gets 1 - alpha. */
    alpha: z.number().min(0).max(1).default(0.9),
    /**
     * The teacher: a run folder or `.ckpt` file (frozen, eval mode), `ema` (the student's own EMA weights;
     * needs trainer.ema) or `best` (the student's best checkpoint so far). The trainer supplies its logits.
     */
    teacher: z.string().min(1).nullable().default(null),
  })
  .strict();
export type KdOptions = z.input<typeof optionsSchema>;

/**
 * Knowledge distillation (Hinton et al., 2015): `alpha·T²·KL(softmax(t/T) ‖ softmax(s/T)) +
 * (1-alpha)·CE(s, y)`, the KL summed over classes and averaged over the batch (PyTorch's
 * `kl_div(..., reduction='batchmean')`). T² keeps the soft term's gradients at the scale of
 * the hard term's when T changes. Without teacher logits (validation, or `best` before a
 * best checkpoint exists) it is the hard-label cross-entropy alone.
 */
export class KdLoss {
  static readonly type = 'kd';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Knowledge distillation: soft teacher targets at temperature T (weight alpha) + hard-label cross-entropy';
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: KdOptions = {}) {
    this.options = optionsSchema.parse(options);
  }

  get teacher(): string | null {
    return this.options.teacher;
  }

  compute(logits: tf.Tensor2D, targets: tf.Tensor1D | tf.Tensor2D, extras: LossExtras = {}): tf.Scalar {
    const { alpha } = this.options;
    const teacher = extras.teacherLogits;
    if (teacher && (teacher.shape[0] !== logits.shape[0] || teacher.shape[1] !== logits.shape[1])) {
      throw new DataError(`kd: teacher logits have shape [${teacher.shape.join(', ')}], the student's [${logits.shape.join(', ')}]; they must match`);
    }
    return tf.tidy(() => {
      const t = targetMatrix(logits, targets, KdLoss.type);
      const ce = tf.neg(tf.mean(tf.sum(tf.mul(t, tf.logSoftmax(logits.toFloat())), -1))) as tf.Scalar;
      extras.record?.('ce_loss', ce);
      if (!teacher) return ce;
      const kd = this.softTerm(logits, teacher);
      extras.record?.('kd_loss', kd);
      return tf.add(tf.mul(kd, alpha), tf.mul(ce, 1 - alpha)) as tf.Scalar;
    });
  }

  /** T²·KL(softmax(t/T) ‖ softmax(s/T)), batch mean; the trainer computes the teacher's logits outside the gradient tape. */
  softTerm(student: tf.Tensor2D, teacher: tf.Tensor2D): tf.Scalar {
    const T = this.options.temperature;
    return tf.tidy(() => {
      const logPt = tf.logSoftmax(tf.div(teacher.toFloat(), T));
      const logPs = tf.logSoftmax(tf.div(student.toFloat(), T));
      const kl = tf.sum(tf.mul(tf.exp(logPt), tf.sub(logPt, logPs)), -1);
      return tf.mul(tf.mean(kl), T * T) as tf.Scalar;
    });
  }
}
