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
  const data = new Float32Array(raw.data.length);
  for (let i = 0; i < data.length; i++) data[i] = raw.data[i] / 255;
  return { data, height: raw.height, width: raw.width, channels: raw.channels };
}
