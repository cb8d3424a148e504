import type * as tf from '@tensorflow/tfjs';

/** `{ net }` is all the loop needs; `summary()` is logged when present. */
export interface TrainableModel {
  net: tf.LayersModel;
  summary?(): string;
}

/** A loss (kind `losses`): mean over the batch; targets are class ids or n×k soft targets. */
export interface LossFn {
  compute(logits: tf.Tensor2D, targets: tf.Tensor1D | tf.Tensor2D): tf.Scalar;
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
