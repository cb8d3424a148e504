import type { Image } from '../image';

/** An image whose every value is distinct: value = (index + 1) / (count + 1), so all lie strictly inside (0, 1). */
export function ramp(height: number, width: number, channels: number): Image {
  const n = height * width * channels;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (i + 1) / (n + 1);
  return { data, height, width, channels };
}

/** An image filled with one value. */
export function constant(height: number, width: number, channels: number, value: number): Image {
  return { data: new Float32Array(height * width * channels).fill(value), height, width, channels };
}

/** Builds an image from per-pixel values given row by row (`rows[y][x]` is an array of channels). */
export function fromRows(rows: number[][][]): Image {
  const height = rows.length;
  const width = rows[0].length;
  const channels = rows[0][0].length;
  return { data: Float32Array.from(rows.flat(2)), height, width, channels };
}

export function pixel(image: Image, y: number, x: number): number[] {
  const o = (y * image.width + x) * image.channels;
  return Array.from(image.data.subarray(o, o + image.channels));
}

export function sameImage(a: Image, b: Image): boolean {
  return (
    a.height === b.height &&
    a.width === b.width &&
    a.channels === b.channels &&
    a.data.length === b.data.length &&
    a.data.every((v, i) => v === b.data[i])
  );
}
