import type * as tf from '@tensorflow/tfjs';
import { DataError } from '@kiln/core';

/** Scores as a flat row-major n×k array. */
export interface ScoreRows {
  data: Float32Array;
  n: number;
  k: number;
}

export type ScoresInput = tf.Tensor2D | Float32Array;
export type TargetsInput = tf.Tensor1D | Int32Array;

function isTensor(x: unknown): x is tf.Tensor {
  return typeof x === 'object' && x !== null && 'dataSync' in x && 'shape' in x;
}

/**
 * Reads `targets` as class ids and checks each is an integer in [0, k); the error names
 * the offending position so a bad label is easy to trace back to its batch.
 */
export function readLabels(targets: TargetsInput, k: number | undefined, metric: string): Int32Array {
  let labels: Int32Array;
  if (isTensor(targets)) {
    if (targets.rank !== 1) throw new DataError(`${metric}: targets must be 1-D class ids, got rank ${targets.rank}`);
    const raw = targets.dataSync();
    labels = raw instanceof Int32Array ? raw : Int32Array.from(raw as ArrayLike<number>);
    if (!(raw instanceof Int32Array)) {
      raw.forEach((v, i) => {
        if (!Number.isInteger(v)) throw new DataError(`${metric}: target ${i} is ${v}, not a class id`);
      });
    }
  } else {
    labels = targets;
  }
  if (k !== undefined) {
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= k) {
        throw new DataError(`${metric}: target ${i} is class ${labels[i]}, outside [0, ${k}) for ${k} classes`);
      }
    }
  }
  return labels;
}

/** Reads scores as n×k rows; a flat array needs `numClasses` or a size divisible by the target count. */
export function readScores(scores: ScoresInput, n: number, numClasses: number | undefined, metric: string): ScoreRows {
  if (isTensor(scores)) {
    if (scores.rank !== 2) throw new DataError(`${metric}: scores must be 2-D [batch, classes], got rank ${scores.rank}`);
    const [rows, k] = scores.shape as [number, number];
    if (rows !== n) throw new DataError(`${metric}: ${rows} score rows for ${n} targets`);
    if (numClasses !== undefined && k !== numClasses) {
      throw new DataError(`${metric}: scores have ${k} columns, expected ${numClasses} classes`);
    }
    return { data: scores.dataSync() as Float32Array, n, k };
  }
  const k = numClasses ?? (n > 0 ? scores.length / n : 0);
  if (!Number.isInteger(k) || scores.length !== n * k) {
    throw new DataError(
      `${metric}: ${scores.length} scores do not form ${n} rows${numClasses ? ` of ${numClasses} classes` : ''}`,
    );
  }
  return { data: scores, n, k };
}

/** Index of the largest score in row `i` (first one on ties, like argmax). */
export function argmaxRow(rows: ScoreRows, i: number): number {
  const { data, k } = rows;
  let best = 0;
  for (let j = 1; j < k; j++) if (data[i * k + j] > data[i * k + best]) best = j;
  return best;
}

/** x / y, or 0 when y is 0 (scikit-learn's `zero_division=0`). */
export function safeDivide(x: number, y: number): number {
  return y === 0 ? 0 : x / y;
}
