import type { Image } from '@kiln/contracts';

// The image and transform contracts are defined once, in @kiln/contracts.
export type { Image, Transform, TransformBatch, BatchTransform } from '@kiln/contracts';
export { isBatchTransform, isTransform } from '@kiln/contracts';


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
