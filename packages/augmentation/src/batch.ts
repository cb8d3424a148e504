import { DataError } from '@kiln/core';
import type { TransformBatch } from './image';

/** Checks that the buffers match `shape` and `numClasses`, naming what is off. */
export function assertBatch(batch: TransformBatch, where: string): void {
  const { images, shape, targets, numClasses } = batch;
  if (!Array.isArray(shape) || shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new DataError(`${where}: shape must be [n, height, width, channels] of positive integers (got ${JSON.stringify(shape)})`);
  }
  const [n, h, w, c] = shape;
  if (images.length !== n * h * w * c) {
    throw new DataError(`${where}: images has ${images.length} values but shape ${shape.join('×')} needs ${n * h * w * c}`);
  }
  if (!Number.isInteger(numClasses) || numClasses <= 0) {
    throw new DataError(`${where}: numClasses must be a positive integer (got ${numClasses})`);
  }
  if (targets.length !== n * numClasses) {
    throw new DataError(
      `${where}: targets has ${targets.length} values but ${n} images × ${numClasses} classes needs ${n * numClasses} (pass one-hot rows; see oneHot())`,
    );
  }
}

/** The partner of image i is image i − 1 (wrapping), torchvision's `roll(1)`: nobody is paired with itself when n > 1. */
export function rolledPartner(i: number, n: number): number {
  return (i + n - 1) % n;
}

/** Per-row targets `λ·t[i] + (1 − λ)·t[partner(i)]`; `lambdas` holds one λ per row. */
export function mixTargets(targets: Float32Array, n: number, numClasses: number, lambdas: ArrayLike<number>): Float32Array {
  const out = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    const a = i * numClasses;
    const b = rolledPartner(i, n) * numClasses;
    const lam = lambdas[i];
    for (let k = 0; k < numClasses; k++) out[a + k] = lam * targets[a + k] + (1 - lam) * targets[b + k];
  }
  return out;
}
