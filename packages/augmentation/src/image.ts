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

/** A zero-filled image of the given size. */
export function createImage(height: number, width: number, channels: number): Image {
  return { data: new Float32Array(height * width * channels), height, width, channels };
}

export function cloneImage(image: Image): Image {
  return { data: image.data.slice(), height: image.height, width: image.width, channels: image.channels };
}

/** Throws a clear error when the buffer does not match the declared size (a silent mismatch would smear pixels). */
export function assertImage(image: Image, where: string): void {
  const { data, height, width, channels } = image;
  if (!(data instanceof Float32Array)) throw new TypeError(`${where}: image.data must be a Float32Array`);
  for (const [key, v] of [['height', height], ['width', width], ['channels', channels]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`${where}: image.${key} must be a positive integer (got ${v})`);
  }
  if (data.length !== height * width * channels) {
    throw new RangeError(
      `${where}: image.data has ${data.length} values but ${height}×${width}×${channels} = ${height * width * channels}`,
    );
  }
}
