import * as tf from '@kiln/contracts/tf';
import { DataError } from '@kiln/core';
import type { Batch } from '@kiln/contracts';

/** A contiguous slice of a batch's rows (micro-batches for OOM retries). */
export interface BatchSlice {
  images: Float32Array;
  shape: [number, number, number, number];
  labels?: Int32Array;
  targets?: Float32Array;
}

export function sliceBatch(batch: Batch | BatchSlice, start: number, end: number): BatchSlice {
  const [n, h, w, c] = batch.shape;
  if (start === 0 && end === n) return batch;
  const per = h * w * c;
  const k = batch.targets ? batch.targets.length / n : 0;
  return {
    images: batch.images.subarray(start * per, end * per),
    shape: [end - start, h, w, c],
    labels: batch.labels?.subarray(start, end),
    targets: batch.targets?.subarray(start * k, end * k),
  };
}

/** Soft targets (n×k) when the batch has them, else int32 class ids. */
export function targetTensor(batch: BatchSlice, numClasses: number, where: string): tf.Tensor1D | tf.Tensor2D {
  const n = batch.shape[0];
  if (batch.targets) {
    const k = batch.targets.length / n;
    if (k !== numClasses) throw new DataError(`${where}: targets have ${k} columns, expected ${numClasses} classes`);
    return tf.tensor2d(batch.targets, [n, k]);
  }
  if (!batch.labels) throw new DataError(`${where}: batch has neither labels nor targets (is the label column missing?)`);
  return tf.tensor1d(batch.labels, 'int32');
}

/** Hard class ids for metrics: the labels, or the argmax of soft targets. */
export function hardLabels(batch: BatchSlice): Int32Array {
  if (batch.labels) return batch.labels;
  const n = batch.shape[0];
  const t = batch.targets!;
  const k = t.length / n;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (t[i * k + j] > t[i * k + best]) best = j;
    out[i] = best;
  }
  return out;
}

export function imageTensor(batch: BatchSlice): tf.Tensor4D {
  return tf.tensor4d(batch.images, batch.shape);
}
