import type * as tf from '@tensorflow/tfjs';

/**
 * What a model's `forward` may return instead of bare logits: `logits` (what metrics, validation,
 * test, predict and export use), an optional `loss` (the loop then minimises it instead of the
 * configured loss) and any extra outputs (tensors; ignored by the loop).
 */
export interface ModelOutputs {
  logits: tf.Tensor2D;
  loss?: tf.Scalar;
  [extra: string]: tf.Tensor | undefined;
}

/**
 * `{ net }` is all the loop needs; `summary()` is logged when present. `net.apply(images)` must give
 * the logits (it is what inference and export run). A model that computes its own training loss or
 * extra outputs adds `forward`: the loop calls it in training (with the batch's targets) and in
 * validation (without them) and reads `logits` from a returned dict.
 */
export interface TrainableModel {
  net: tf.LayersModel;
  summary?(): string;
  forward?(images: tf.Tensor4D, targets: tf.Tensor1D | tf.Tensor2D | undefined, options: { training: boolean }): tf.Tensor2D | ModelOutputs;
}

/** Extra inputs the trainer passes to a loss: a distillation teacher's logits for the same batch. */
export interface LossExtras {
  teacherLogits?: tf.Tensor2D;
  /** Records a loss term for the log (`train/<name>`); terms are means over the batch. */
  record?(name: string, value: tf.Scalar): void;
}

/**
 * A loss (kind `losses`): mean over the batch; targets are class ids or n×k soft targets.
 * A loss with a `teacher` (a run dir, a checkpoint, `ema` or `best`) asks the trainer for
 * `extras.teacherLogits` in training; without them (validation) it must still give a value.
 */
export interface LossFn {
  compute(logits: tf.Tensor2D, targets: tf.Tensor1D | tf.Tensor2D, extras?: LossExtras): tf.Scalar;
  readonly teacher?: string | null;
}

/** A model output as the dict: bare logits become `{ logits }`; a dict without 2-D `logits` is refused. */
export function modelOutputs(out: unknown, where: string): ModelOutputs {
  const isTensor = (t: unknown): t is tf.Tensor => typeof t === 'object' && t !== null && 'shape' in t && 'dtype' in t && 'rank' in t;
  if (isTensor(out)) return { logits: out as tf.Tensor2D };
  if (Array.isArray(out)) {
    throw new TypeError(`${where}: the model returned ${out.length} outputs; return one logits tensor or a dict { logits, loss?, … } from forward()`);
  }
  const logits = (out as { logits?: unknown } | null)?.logits;
  if (!isTensor(logits) || logits.rank !== 2) {
    throw new TypeError(`${where}: the model's output dict needs 'logits' as a 2-D [batch, classes] tensor`);
  }
  const loss = (out as { loss?: unknown }).loss;
  if (loss !== undefined && (!isTensor(loss) || loss.rank !== 0)) throw new TypeError(`${where}: the model's 'loss' output must be a scalar tensor`);
  return out as ModelOutputs;
}

/**
 * Streaming metric (kind `metrics`, torchmetrics style). `state()` is a flat array of numbers;
 * `merge()` adds another worker's state, so cross-worker aggregation is exact.
 */
export interface StreamingMetric {
  /** Stable key: logged as `train/<name>`, `val/<name>`, `test/<name>`. */
  readonly name: string;
  update(scores: tf.Tensor2D | Float32Array, targets: tf.Tensor1D | Int32Array, numClasses?: number): void;
  compute(): number | Record<string, number>;
  reset(): void;
  state(): number[];
  merge(state: number[]): void;
}
