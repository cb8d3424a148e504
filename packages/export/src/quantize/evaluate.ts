import * as tf from '@tensorflow/tfjs';
import type { BatchSource } from './calibrate';

/** Class scores of a batch (logits or probabilities: only the arg-max is used). */
export type Scorer = (images: Float32Array, shape: readonly number[]) => Promise<Float32Array>;

export interface Agreement {
  images: number;
  /** Share of images whose top-1 class equals the fp32 model's. */
  top1Agreement: number;
  /** Accuracy of the fp32 and the quantized model (labelled images only). */
  accuracyFp32?: number;
  accuracyQuantized?: number;
  /** accuracyFp32 − accuracyQuantized, in percentage points. */
  accuracyDropPoints?: number;
}

function argmaxRows(scores: Float32Array, rows: number): Int32Array {
  const k = scores.length / rows;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (scores[r * k + j] > scores[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}

/** The float model's scores, as Kiln predicts. */
export function tfjsScorer(net: tf.LayersModel): Scorer {
  return async (images, shape) => tf.tidy(() => (net.predict(tf.tensor4d(images, shape as [number, number, number, number])) as tf.Tensor).dataSync() as Float32Array);
}

/** Top-1 agreement of `quantized` with `fp32`, and both accuracies where the batches have labels. */
export async function compareTop1(fp32: Scorer, quantized: Scorer, source: BatchSource): Promise<Agreement> {
  let images = 0;
  let agree = 0;
  let labelled = 0;
  let correctFp32 = 0;
  let correctQuant = 0;
  for await (const batch of source) {
    const n = batch.shape[0];
    const a = argmaxRows(await fp32(batch.images, batch.shape), n);
    const b = argmaxRows(await quantized(batch.images, batch.shape), n);
    for (let i = 0; i < n; i++) {
      if (a[i] === b[i]) agree++;
      const label = batch.labels?.[i];
      if (label === undefined || label < 0) continue;
      labelled++;
      if (a[i] === label) correctFp32++;
      if (b[i] === label) correctQuant++;
    }
    images += n;
  }
  const result: Agreement = { images, top1Agreement: images ? agree / images : NaN };
  if (labelled) {
    result.accuracyFp32 = correctFp32 / labelled;
    result.accuracyQuantized = correctQuant / labelled;
    result.accuracyDropPoints = 100 * (result.accuracyFp32 - result.accuracyQuantized);
  }
  return result;
}
