import { inflateSync } from 'node:zlib';
import { crc32 } from './crc32';
import { toRgb, type PngLayout } from './to-rgb';
import { unfilter } from './unfilter';

/** A PNG whose bytes are wrong (bad CRC, short chunk, bad zlib data, impossible header). */
export class PngError extends Error {
  constructor(
    message: string,
    readonly reason: 'corrupt' | 'too_large' = 'corrupt',
  ) {
    super(message);
  }
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// Valid bit depths per colour type (PNG spec table 11.1) and samples per pixel.
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) return false;
  return true;
}

const u32 = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;

export interface PngDecodeOptions {
  /** Larger images throw `PngError('too_large')` before any pixel is inflated. */
  maxPixels: number;
  /** Only decode an image of exactly this size; anything else returns undefined (it needs a resize). */
  width?: number;
  height?: number;
}

/**
 * Decodes a non-interlaced PNG to 8-bit RGB with alpha flattened onto black: the pixels the
 * sharp pipeline of `ImageProcessor` gives for the same file at its native size. Returns
 * undefined for what that fast path leaves to sharp: Adam7 interlacing, an ICC profile or EXIF
 * (colour conversion, orientation), an unknown critical chunk, a size other than the requested
 * one. Throws `PngError` for a broken file: bad CRC on a critical chunk (ancillary ones are
 * skipped, as libspng does), chunk past the end, bad zlib data, too little pixel data.
 */
export function decodePngRgb(bytes: Uint8Array, o: PngDecodeOptions): { data: Uint8Array; width: number; height: number } | undefined {
  if (!isPng(bytes)) throw new PngError('not a PNG signature');
  let pos = 8;
  let layout: PngLayout | undefined;
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let ended = false;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) throw new PngError(`truncated chunk header at byte ${pos}`);
    const len = u32(bytes, pos);
    const end = pos + 8 + len;
    if (len > 0x7fffffff || end + 4 > bytes.length) throw new PngError(`chunk at byte ${pos} runs past the end of the file (truncated)`);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    const critical = (bytes[pos + 4] & 0x20) === 0;
    if (crc32(bytes, pos + 4, end) !== u32(bytes, end)) {
      if (critical) throw new PngError(`CRC mismatch in ${type} chunk at byte ${pos}`);
      pos = end + 4;
      continue;
    }
    const body = bytes.subarray(pos + 8, end);
    pos = end + 4;
    if (type === 'IHDR') {
      if (layout || len !== 13) throw new PngError('bad IHDR chunk');
      const width = u32(body, 0);
      const height = u32(body, 4);
      const [depth, colorType, compression, filter, interlace] = [body[8], body[9], body[10], body[11], body[12]];
      if (width === 0 || height === 0 || !DEPTHS[colorType]?.includes(depth) || compression !== 0 || filter !== 0 || interlace > 1) {
        throw new PngError(`invalid IHDR (${width}×${height}, depth ${depth}, colour type ${colorType})`);
      }
      if (width * height > o.maxPixels) throw new PngError(`${width}×${height} is over the pixel limit`, 'too_large');
      if (interlace === 1 || (o.width !== undefined && o.width !== width) || (o.height !== undefined && o.height !== height)) return undefined;
      layout = { width, height, depth, colorType, channels: SAMPLES[colorType] };
    } else if (!layout) {
      throw new PngError(`${type} chunk before IHDR`);
    } else if (type === 'IDAT') {
      idat.push(body);
      idatBytes += len;
    } else if (type === 'PLTE') {
      if (len % 3 !== 0 || len === 0 || len > 768) throw new PngError('bad PLTE chunk');
      layout.palette = body;
    } else if (type === 'tRNS') {
      layout.trns = body;
    } else if (type === 'IEND') {
      ended = true;
      break;
    } else if (type === 'iCCP' || type === 'eXIf' || critical) {
      return undefined;
    }
  }
  if (!layout) throw new PngError('no IHDR chunk');
  if (!ended || idatBytes === 0) return undefined; // truncated after the image data: sharp's failOn decides
  if (layout.colorType === 3 && !layout.palette) throw new PngError('palette image without PLTE');
  const { width, height, depth, channels } = layout;
  const stride = Math.ceil((width * channels * depth) / 8);
  const expected = height * (stride + 1);
  let raw: Uint8Array;
  try {
    const z = idat.length === 1 ? idat[0] : Buffer.concat(idat, idatBytes);
    // Bounded by what the header needs (a small file cannot inflate to gigabytes); trailing
    // extra data is rare and left to sharp.
    raw = inflateSync(z, { maxOutputLength: expected + 1 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
    throw new PngError(`bad compressed image data (${(err as Error).message})`);
  }
  if (raw.length < expected) throw new PngError(`image data is ${raw.length} bytes, expected ${expected} (truncated)`);
  if (!unfilter(raw, height, stride, Math.max(1, (channels * depth) >> 3))) throw new PngError('unknown row filter type');
  return { data: toRgb(raw, layout, stride), width, height };
}
