import type { Rng } from '@kiln/core';

/** An image in HWC order with values in [0, 1]. */
export interface Image {
  data: Float32Array;
  height: number;
  width: number;
  channels: number;
}

/** A per-image transform (kind `transforms`). Pure: returns a new image of the same size, never mutates its input. */
export interface Transform {
  apply(image: Image, rng: Rng): Image;
}

/** The batch a batch-level transform receives: NHWC images and n×numClasses (soft) targets. */
export interface TransformBatch {
  images: Float32Array;
  shape: [number, number, number, number];
  targets: Float32Array;
  numClasses: number;
}

/** A transform that mixes images across a batch (MixUp, CutMix) and produces soft targets. */
export interface BatchTransform {
  readonly batchLevel: true;
  applyBatch(batch: TransformBatch, rng: Rng): { images: Float32Array; targets: Float32Array };
}

export function isBatchTransform(value: unknown): value is BatchTransform {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { batchLevel?: unknown }).batchLevel === true &&
    typeof (value as { applyBatch?: unknown }).applyBatch === 'function'
  );
}

export function isTransform(value: unknown): value is Transform {
  return typeof value === 'object' && value !== null && typeof (value as { apply?: unknown }).apply === 'function';
}
