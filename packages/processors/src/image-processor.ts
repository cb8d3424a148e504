import { readFileSync } from 'node:fs';
import type sharpModule from 'sharp';
import type { OutputInfo } from 'sharp';
import { ConfigError, Rng, z } from '@kiln/core';
import { ImageDecodeError } from './decode-error';
import type { Image, Transform } from '@kiln/contracts';
import { rawToImage, type RawImage } from './image';
import { decodePngRgb, isPng, PngError } from './png/decode-png';

// sharp (libvips) is loaded on first use: a run whose images are all small PNGs at the target
// size never needs it, and loading it costs start-up time in every process and decode worker.
let sharpLoaded: Promise<typeof sharpModule> | undefined;
const loadSharp = () => (sharpLoaded ??= import('sharp').then((m) => m.default));

const positiveInt = z.number().int().positive();

const optionsSchema = z
  .object({
    size: z.tuple([positiveInt, positiveInt]).default([32, 32]).describe('output [height, width]'),
    channels: z.union([z.literal(1), z.literal(3)]).default(3).describe('1 = grayscale, 3 = RGB'),
    resize: z
      .enum(['stretch', 'pad', 'crop'])
      .default('stretch')
      .describe('stretch to size, or keep aspect and pad (black) / centre-crop'),
    mean: z.array(z.number()).optional().describe('per-channel mean of [0,1] values (default 0.5)'),
    std: z.array(z.number().positive()).optional().describe('per-channel std (default 0.5)'),
    maxInputPixels: positiveInt.default(4096 * 4096).describe('larger inputs are rejected (sharp limitInputPixels)'),
    failOn: z
      .enum(['truncated', 'error', 'warning'])
      .default('truncated')
      .describe('how strict decoding is (sharp failOn)'),
  })
  .strict();

export type ImageProcessorOptions = z.input<typeof optionsSchema>;
type ParsedOptions = z.output<typeof optionsSchema>;

const FIT = { stretch: 'fill', pad: 'contain', crop: 'cover' } as const;
const BLACK = { r: 0, g: 0, b: 0, alpha: 1 };

/**
 * Turns image files into normalised Float32 HWC arrays. Every input (grayscale, RGBA,
 * 16-bit, palette, CMYK) is first converted to 8-bit sRGB with alpha flattened onto
 * black; `channels: 1` then takes the luma (BT.601). The same instance (or its
 * `toConfig()`) is used for train, test and predict, so processing never drifts.
 */
export class ImageProcessor {
  static readonly type = 'image';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Decode, convert channels, resize, normalise → Float32 HWC';

  readonly options: Readonly<ParsedOptions>;
  readonly mean: Float32Array;
  readonly std: Float32Array;

  constructor(options: ImageProcessorOptions = {}) {
    const o = optionsSchema.parse(options);
    const c = o.channels;
    for (const key of ['mean', 'std'] as const) {
      const v = o[key];
      if (v !== undefined && v.length !== c && v.length !== 1) {
        throw new ConfigError(`processor.${key} has ${v.length} values but channels is ${c}`, {
          path: `processor.${key}`,
          key,
          component: 'image',
        });
      }
    }
    const expand = (v: number[] | undefined) =>
      v === undefined ? new Array<number>(c).fill(0.5) : v.length === 1 ? new Array<number>(c).fill(v[0]) : v;
    this.options = Object.freeze({ ...o, mean: expand(o.mean), std: expand(o.std) });
    this.mean = Float32Array.from(this.options.mean!);
    this.std = Float32Array.from(this.options.std!);
  }

  /** `[height, width, channels]` of every processed image. */
  get outputShape(): [number, number, number] {
    return [this.options.size[0], this.options.size[1], this.options.channels];
  }

  /** Values per processed image. */
  get outputSize(): number {
    return this.options.size[0] * this.options.size[1] * this.options.channels;
  }

  /** The options (defaults filled in) to save in the run's config and rebuild the same processor. */
  toConfig(): ParsedOptions {
    const o = this.options;
    return {
      size: [o.size[0], o.size[1]],
      channels: o.channels,
      resize: o.resize,
      mean: [...o.mean!],
      std: [...o.std!],
      maxInputPixels: o.maxInputPixels,
      failOn: o.failOn,
    };
  }

  /** Decodes, converts and resizes to 8-bit HWC pixels of `outputShape`. Throws `ImageDecodeError`. */
  async decodeRaw(input: Buffer | Uint8Array | string): Promise<RawImage> {
    const bytes = typeof input === 'string' ? await readInput(input) : input;
    const where = typeof input === 'string' ? input : 'buffer';
    if (bytes.length === 0) throw new ImageDecodeError('empty', `empty file (0 bytes): ${where}`);
    const [h, w] = this.options.size;
    if (isPng(bytes)) {
      // Fast path: a non-interlaced PNG already at the target size needs no resize, so the pixels
      // are decoded here (node:zlib) exactly as sharp would give them, without libvips' per-call cost.
      try {
        const png = decodePngRgb(bytes, { maxPixels: this.options.maxInputPixels, width: w, height: h });
        if (png) return this.toChannels(png.data, { width: w, height: h, channels: 3 }, where);
      } catch (err) {
        if (!(err instanceof PngError)) throw err;
        if (err.reason === 'too_large') throw new ImageDecodeError('too_large', `image too large (over maxInputPixels): ${where}`, { cause: err });
        throw new ImageDecodeError('corrupt', `truncated or corrupt image (PNG: ${err.message}): ${where}`, { cause: err });
      }
    }
    const sharp = await loadSharp();
    let out: { data: Buffer; info: OutputInfo };
    try {
      // autoOrient (EXIF orientation) as an input option, not .rotate(): .rotate() turns off
      // libvips' JPEG shrink-on-load, making large JPEGs decode at full size (~35% slower at 2000→224).
      out = await sharp(bytes, { failOn: this.options.failOn, limitInputPixels: this.options.maxInputPixels, autoOrient: true })
        .resize(w, h, { fit: FIT[this.options.resize], background: BLACK })
        .flatten({ background: '#000000' })
        .toColourspace('srgb')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true });
    } catch (err) {
      throw classifySharpError(err, where);
    }
    return this.toChannels(out.data, out.info, where);
  }

  /** Decodes to an `Image` in [0, 1] of `outputShape`. */
  async decode(input: Buffer | Uint8Array | string): Promise<Image> {
    return rawToImage(await this.decodeRaw(input));
  }

  /** (x - mean) / std per channel, HWC Float32. */
  normalize(image: Image): Float32Array {
    const out = new Float32Array(this.outputSize);
    this.normalizeInto(image, out, 0);
    return out;
  }

  /** Writes the normalised image into `out` at `offset` (batch assembly without copies). */
  normalizeInto(image: Image | RawImage, out: Float32Array, offset: number): void {
    const [h, w, c] = this.outputShape;
    if (image.height !== h || image.width !== w || image.channels !== c) {
      throw new RangeError(
        `image is ${image.height}×${image.width}×${image.channels} but the processor outputs ${h}×${w}×${c}` +
          ' (an augmentation must keep the image size)',
      );
    }
    normalizeTo(image.data, this.mean, this.std, c, out, offset);
  }

  /** decode → augment (train only) → normalise. */
  async process(input: Buffer | Uint8Array | string, augment?: Transform, rng?: Rng): Promise<Float32Array> {
    let image = await this.decode(input);
    if (augment) image = augment.apply(image, rng ?? new Rng(0, 'augment'));
    return this.normalize(image);
  }

  private toChannels(data: Uint8Array, info: Pick<OutputInfo, 'width' | 'height' | 'channels'>, where: string): RawImage {
    const { width, height } = info;
    const src = info.channels;
    const n = width * height;
    if (src < 3) throw new ImageDecodeError('corrupt', `unexpected ${src}-channel output decoding ${where}`);
    if (this.options.channels === 3 && src === 3) {
      return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), height, width, channels: 3 };
    }
    const c = this.options.channels;
    const out = new Uint8Array(n * c);
    for (let i = 0, j = 0; i < n; i++, j += src) {
      if (c === 3) {
        out[i * 3] = data[j];
        out[i * 3 + 1] = data[j + 1];
        out[i * 3 + 2] = data[j + 2];
      } else {
        // BT.601 luma; exact for gray inputs (r = g = b).
        out[i] = Math.round(0.299 * data[j] + 0.587 * data[j + 1] + 0.114 * data[j + 2]);
      }
    }
    return { data: out, height, width, channels: c };
  }
}

// out[offset + j] = (data[j]·scale - mean[ch])·(1/std[ch]). Two copies of the 3-channel loop on
// purpose: V8 keeps type feedback per function, so each copy reads one array type (a monomorphic
// load); with the channels unrolled this saved ~0.1 ms per batch of 64 (bench/data/augment-cost.ts).
function normalizeTo(data: Uint8Array | Float32Array, mean: Float32Array, std: Float32Array, c: number, out: Float32Array, offset: number): void {
  if (c === 3) {
    if (data instanceof Uint8Array) normalizeU8x3(data, mean, std, out, offset);
    else normalizeF32x3(data, mean, std, out, offset);
    return;
  }
  const scale = data instanceof Uint8Array ? 1 / 255 : 1;
  for (let ch = 0; ch < c; ch++) {
    const m = mean[ch];
    const s = 1 / std[ch];
    for (let j = ch; j < data.length; j += c) out[offset + j] = (data[j] * scale - m) * s;
  }
}

function normalizeU8x3(data: Uint8Array, mean: Float32Array, std: Float32Array, out: Float32Array, offset: number): void {
  const m0 = mean[0], m1 = mean[1], m2 = mean[2];
  const s0 = 1 / std[0], s1 = 1 / std[1], s2 = 1 / std[2];
  const k = 1 / 255;
  for (let j = 0, o = offset; j < data.length; j += 3, o += 3) {
    out[o] = (data[j] * k - m0) * s0;
    out[o + 1] = (data[j + 1] * k - m1) * s1;
    out[o + 2] = (data[j + 2] * k - m2) * s2;
  }
}

function normalizeF32x3(data: Float32Array, mean: Float32Array, std: Float32Array, out: Float32Array, offset: number): void {
  const m0 = mean[0], m1 = mean[1], m2 = mean[2];
  const s0 = 1 / std[0], s1 = 1 / std[1], s2 = 1 / std[2];
  for (let j = 0, o = offset; j < data.length; j += 3, o += 3) {
    out[o] = (data[j] - m0) * s0;
    out[o + 1] = (data[j + 1] - m1) * s1;
    out[o + 2] = (data[j + 2] - m2) * s2;
  }
}

// Synchronous on purpose: fs.promises.readFile of a 3 KB PNG costs ~135 µs (open, fstat, read,
// close as separate thread-pool round trips) against ~12 µs here, more than decoding it.
async function readInput(path: string): Promise<Buffer> {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ImageDecodeError('missing', `file not found: ${path}`, { cause: err });
    throw new ImageDecodeError('unreadable', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function classifySharpError(err: unknown, where: string): ImageDecodeError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(msg)) {
    return new ImageDecodeError('too_large', `image too large (over maxInputPixels): ${where}`, { cause: err });
  }
  if (/unsupported image format|empty/i.test(msg)) {
    return new ImageDecodeError('not_an_image', `not an image (unsupported format): ${where}`, { cause: err });
  }
  return new ImageDecodeError('corrupt', `truncated or corrupt image (${msg.trim()}): ${where}`, { cause: err });
}
