import type { Image } from '@kiln/contracts';

/** Decoded 8-bit pixels in HWC order: what caches hold (4× smaller than float). */
export interface RawImage {
  data: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/** Converts 8-bit pixels to an `Image` in [0, 1]. */
export function rawToImage(raw: RawImage): Image {
  const src = raw.data;
  const data = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = src[i] / 255;
  return { data, height: raw.height, width: raw.width, channels: raw.channels };
}
