import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageDecodeError, ImageProcessor } from '../index';
import { chunk, encodePng, type PngSpec } from '../__fixtures__/png-encode';
import { decodePngRgb, PngError } from './decode-png';

const CORPUS = join(__dirname, '..', '__fixtures__', 'png-corpus');

/** What the sharp pipeline of ImageProcessor gives at the native size (the reference). */
async function viaSharp(bytes: Buffer): Promise<Uint8Array> {
  const { width, height } = await sharp(bytes).metadata();
  const out = await sharp(bytes).resize(width, height, { fit: 'fill' }).flatten({ background: '#000000' }).toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer();
  return new Uint8Array(out);
}

const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;
const COMBOS: Array<[PngSpec['colorType'], PngSpec['depth']]> = [
  [0, 1], [0, 2], [0, 4], [0, 8], [0, 16], [2, 8], [2, 16], [3, 1], [3, 2], [3, 4], [3, 8], [4, 8], [4, 16], [6, 8], [6, 16],
];

function spec(colorType: PngSpec['colorType'], depth: PngSpec['depth'], o: { trns?: boolean } = {}): PngSpec {
  const [width, height] = [11, 7];
  const ch = CHANNELS[colorType];
  const max = (1 << depth) - 1;
  const samples = Array.from({ length: width * height * ch }, (_, i) => (i * 7919 + 13) % (max + 1));
  const colours = Math.min(256, max + 1);
  const palette = colorType === 3 ? Array.from({ length: colours * 3 }, (_, i) => (i * 37) % 256) : undefined;
  let trns: number[] | undefined;
  // the first pixel's entry is fully transparent, the others partly
  if (o.trns && colorType === 3) trns = Array.from({ length: Math.min(colours, Math.max(5, samples[0] + 1)) }, (_, i) => (i === samples[0] ? 0 : i * 60));
  if (o.trns && colorType === 0) trns = [samples[0] >> 8, samples[0] & 255];
  if (o.trns && colorType === 2) trns = samples.slice(0, 3).flatMap((v) => [v >> 8, v & 255]);
  return { width, height, depth, colorType, samples, palette, trns };
}

describe('decodePngRgb matches sharp bit for bit', () => {
  it.each(COMBOS)('colour type %i, %i-bit, every row filter', async (colorType, depth) => {
    const png = encodePng(spec(colorType, depth));
    expect([...decodePngRgb(png, { maxPixels: 1e6 })!.data]).toEqual([...(await viaSharp(png))]);
  });

  it.each([[0, 1], [0, 8], [0, 16], [2, 8], [2, 16], [3, 2], [3, 8]] as const)('colour type %i, %i-bit with tRNS', async (colorType, depth) => {
    const png = encodePng(spec(colorType, depth, { trns: true }));
    const mine = decodePngRgb(png, { maxPixels: 1e6 })!.data;
    expect([...mine.slice(0, 3)]).toEqual([0, 0, 0]); // the keyed / transparent first pixel is black
    expect([...mine]).toEqual([...(await viaSharp(png))]);
  });

  it.each(readdirSync(CORPUS).filter((f) => f !== 'interlaced.png'))('%s (written by sharp)', async (name) => {
    const png = readFileSync(join(CORPUS, name));
    const mine = decodePngRgb(png, { maxPixels: 1e6 });
    expect(mine).toBeDefined();
    expect([...mine!.data]).toEqual([...(await viaSharp(png))]);
  });
});

describe('decodePngRgb leaves the unusual to sharp', () => {
  it('interlaced (Adam7), another size, an ICC profile or EXIF → undefined; ImageProcessor still decodes them', async () => {
    const interlaced = readFileSync(join(CORPUS, 'interlaced.png'));
    expect(decodePngRgb(interlaced, { maxPixels: 1e6 })).toBeUndefined();
    const p = new ImageProcessor({ size: [9, 13] });
    expect([...(await p.decodeRaw(interlaced)).data]).toEqual([...(await viaSharp(interlaced))]);
    const rgb = readFileSync(join(CORPUS, 'rgb8.png'));
    expect(decodePngRgb(rgb, { maxPixels: 1e6, width: 12, height: 9 })).toBeUndefined();
    for (const type of ['iCCP', 'eXIf']) {
      expect(decodePngRgb(encodePng({ ...spec(2, 8), extra: [[type, new Uint8Array(4)]] }), { maxPixels: 1e6 })).toBeUndefined();
    }
  });

  it('skips an ancillary chunk with a bad CRC (as libspng does)', () => {
    const png = encodePng({ ...spec(2, 8), extra: [['tEXt', Buffer.from('a\0b')]] });
    const at = png.indexOf('tEXt') + 4 + 3; // its CRC
    png[at] ^= 0xff;
    expect(decodePngRgb(png, { maxPixels: 1e6 })).toBeDefined();
  });
});

describe('broken PNGs', () => {
  const good = () => encodePng(spec(2, 8));

  it('a bad IDAT CRC, a cut file and bad zlib data throw PngError', () => {
    const crc = good();
    crc[crc.indexOf('IDAT') + 6] ^= 1;
    expect(() => decodePngRgb(crc, { maxPixels: 1e6 })).toThrow(/CRC mismatch in IDAT/);
    const cut = good().subarray(0, 60);
    expect(() => decodePngRgb(cut, { maxPixels: 1e6 })).toThrow(/truncated/);
    const g = good();
    const i = g.indexOf('IDAT');
    const len = g.readUInt32BE(i - 4);
    const junk = Buffer.concat([g.subarray(0, i - 4), chunk('IDAT', Buffer.alloc(len, 7)), g.subarray(i + 4 + len + 4)]);
    expect(() => decodePngRgb(junk, { maxPixels: 1e6 })).toThrow(PngError);
  });

  it('too little pixel data is an error, an image over maxPixels is too_large', () => {
    const s = spec(2, 8);
    const short = encodePng({ ...s, height: s.height - 1, samples: s.samples });
    short.writeUInt32BE(s.height, 20); // claim the full height, fix the IHDR CRC
    short.writeUInt32BE(new Uint32Array([0])[0], 29);
    const fixed = Buffer.concat([short.subarray(0, 8), chunk('IHDR', short.subarray(16, 29)), short.subarray(33)]);
    expect(() => decodePngRgb(fixed, { maxPixels: 1e6 })).toThrow(/expected .* \(truncated\)/);
    expect(() => decodePngRgb(good(), { maxPixels: 10 })).toThrow(expect.objectContaining({ reason: 'too_large' }));
  });

  it('ImageProcessor reports them as decode errors naming the file', async () => {
    const crc = good();
    crc[crc.indexOf('IDAT') + 6] ^= 1;
    const err = await new ImageProcessor({ size: [7, 11] }).decodeRaw(crc).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as ImageDecodeError).reason).toBe('corrupt');
    expect((err as Error).message).toMatch(/CRC mismatch.*: buffer$/);
  });
});
