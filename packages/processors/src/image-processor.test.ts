import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ConfigError, Rng, createRegistries, ComponentBuilder } from '@kiln/core';
import { ImageProcessor, ImageDecodeError, register, type Image } from './index';
import { png16Gray, pngHeaderOnly } from './__fixtures__/png';

function rawPng(data: number[], width: number, height: number, channels: 1 | 2 | 3 | 4): Promise<Buffer> {
  return sharp(Buffer.from(data), { raw: { width, height, channels } }).png().toBuffer();
}

async function failure(p: Promise<unknown>): Promise<ImageDecodeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageDecodeError);
  return err as ImageDecodeError;
}

describe('ImageProcessor decoding', () => {
  it('decodes RGB pixels exactly at the native size', async () => {
    const px = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
    const p = new ImageProcessor({ size: [2, 2] });
    const raw = await p.decodeRaw(await rawPng(px, 2, 2, 3));
    expect([...raw.data]).toEqual(px);
    const img = await p.decode(await rawPng(px, 2, 2, 3));
    expect(img.data[0]).toBeCloseTo(1, 6);
    expect(img.data[11]).toBeCloseTo(30 / 255, 6);
  });

  it('converts grayscale input to 3 channels by replication', async () => {
    const p = new ImageProcessor({ size: [1, 3] });
    const raw = await p.decodeRaw(await rawPng([0, 100, 255], 3, 1, 1));
    expect([...raw.data]).toEqual([0, 0, 0, 100, 100, 100, 255, 255, 255]);
  });

  it('converts RGB to 1 channel with BT.601 luma', async () => {
    const p = new ImageProcessor({ size: [1, 2], channels: 1 });
    const raw = await p.decodeRaw(await rawPng([255, 0, 0, 0, 0, 255], 2, 1, 3));
    expect([...raw.data]).toEqual([Math.round(0.299 * 255), Math.round(0.114 * 255)]);
  });

  it('flattens RGBA alpha onto black', async () => {
    const p = new ImageProcessor({ size: [1, 3] });
    // white at alpha 255, 0 and ~128
    const raw = await p.decodeRaw(await rawPng([255, 255, 255, 255, 255, 255, 255, 0, 200, 100, 50, 128], 3, 1, 4));
    expect(raw.channels).toBe(3);
    expect([...raw.data.slice(0, 6)]).toEqual([255, 255, 255, 0, 0, 0]);
    expect(Math.abs(raw.data[6] - 100)).toBeLessThanOrEqual(1);
    expect(Math.abs(raw.data[7] - 50)).toBeLessThanOrEqual(1);
  });

  it('handles gray+alpha to 1 channel', async () => {
    const p = new ImageProcessor({ size: [1, 2], channels: 1 });
    const raw = await p.decodeRaw(await rawPng([200, 255, 200, 0], 2, 1, 2));
    expect([...raw.data]).toEqual([200, 0]);
  });

  it('reduces 16-bit PNGs to 8 bits', async () => {
    const p = new ImageProcessor({ size: [1, 3], channels: 1 });
    const raw = await p.decodeRaw(png16Gray(3, 1, [0, 257 * 100, 65535]));
    expect([...raw.data]).toEqual([0, 100, 255]);
  });

  it('decodes palette PNGs', async () => {
    const px = [255, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0, 255];
    const pal = await sharp(Buffer.from(px), { raw: { width: 2, height: 2, channels: 3 } })
      .png({ palette: true, colours: 4, dither: 0 })
      .toBuffer();
    expect((await sharp(pal).metadata()).isPalette).toBe(true);
    const raw = await new ImageProcessor({ size: [2, 2] }).decodeRaw(pal);
    expect([...raw.data]).toEqual(px);
  });

  it('stretch, pad and crop produce the requested size with the documented geometry', async () => {
    // 2 rows × 4 cols: left half red, right half blue
    const px = [];
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) px.push(...(x < 2 ? [255, 0, 0] : [0, 0, 255]));
    const png = await rawPng(px, 4, 2, 3);
    const pad = await new ImageProcessor({ size: [4, 4], resize: 'pad' }).decodeRaw(png);
    expect([pad.height, pad.width]).toEqual([4, 4]);
    expect([...pad.data.slice(0, 3)]).toEqual([0, 0, 0]); // top row is padding
    expect(pad.data[(1 * 4 + 0) * 3]).toBeGreaterThan(200); // red on the left of the content
    const crop = await new ImageProcessor({ size: [2, 2], resize: 'crop' }).decodeRaw(png);
    expect([crop.height, crop.width]).toEqual([2, 2]);
    expect(crop.data[0]).toBeGreaterThan(200); // centre crop keeps red on the left…
    expect(crop.data[3 + 2]).toBeGreaterThan(200); // …and blue on the right
    const stretch = await new ImageProcessor({ size: [4, 4], resize: 'stretch' }).decodeRaw(png);
    expect(stretch.data[0]).toBeGreaterThan(200); // no padding: content reaches the corner
  });

  it('reads from a path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-proc-'));
    const path = join(dir, 'a.png');
    writeFileSync(path, await rawPng([1, 2, 3], 1, 1, 3));
    expect([...(await new ImageProcessor({ size: [1, 1] }).decodeRaw(path)).data]).toEqual([1, 2, 3]);
  });
});

describe('ImageProcessor orientation and large JPEGs', () => {
  it('honours EXIF orientation (input option, which keeps JPEG shrink-on-load)', async () => {
    // stored 16 wide × 8 tall: left half red, right half blue; orientation 6 = displayed rotated 90° clockwise
    const px = Buffer.alloc(16 * 8 * 3);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 16; x++) px[(y * 16 + x) * 3 + (x < 8 ? 0 : 2)] = 255;
    const jpeg = await sharp(px, { raw: { width: 16, height: 8, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    const raw = await new ImageProcessor({ size: [16, 8], channels: 3 }).decodeRaw(jpeg);
    expect([raw.height, raw.width]).toEqual([16, 8]);
    const at = (y: number, x: number) => Array.from(raw.data.subarray((y * 8 + x) * 3, (y * 8 + x) * 3 + 3));
    expect(at(1, 4)[0]).toBeGreaterThan(200); // top: the stored left (red)
    expect(at(14, 4)[2]).toBeGreaterThan(200); // bottom: the stored right (blue)
  });

  it('decodes a large JPEG to a small target', async () => {
    const big = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#3366cc' } }).jpeg().toBuffer();
    const raw = await new ImageProcessor({ size: [224, 224] }).decodeRaw(big);
    expect([raw.height, raw.width, raw.channels]).toEqual([224, 224, 3]);
    expect(Math.abs(raw.data[2] - 0xcc)).toBeLessThan(6);
  });
});

describe('ImageProcessor bad inputs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-proc-bad-'));
  const p = new ImageProcessor();

  it('missing file', async () => {
    expect((await failure(p.decodeRaw(join(dir, 'nope.png')))).reason).toBe('missing');
  });
  it('zero-byte file', async () => {
    writeFileSync(join(dir, 'empty.png'), '');
    expect((await failure(p.decodeRaw(join(dir, 'empty.png')))).reason).toBe('empty');
  });
  it('text named .png', async () => {
    writeFileSync(join(dir, 'text.png'), 'this is not an image\n');
    expect((await failure(p.decodeRaw(join(dir, 'text.png')))).reason).toBe('not_an_image');
  });
  it('truncated PNG', async () => {
    const good = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#f00' } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const err = await failure(p.decodeRaw(good.subarray(0, good.length >> 1)));
    expect(err.reason).toBe('corrupt');
  });
  it('20000×20000 PNG header is rejected without decoding', async () => {
    const err = await failure(p.decodeRaw(pngHeaderOnly(20000, 20000)));
    expect(err.reason).toBe('too_large');
  });
  it('maxInputPixels is configurable', async () => {
    const small = new ImageProcessor({ maxInputPixels: 100 });
    const png = await sharp({ create: { width: 11, height: 10, channels: 3, background: '#fff' } }).png().toBuffer();
    expect((await failure(small.decodeRaw(png))).reason).toBe('too_large');
    await expect(new ImageProcessor({ maxInputPixels: 110 }).decodeRaw(png)).resolves.toBeDefined();
  });
});

describe('ImageProcessor normalisation and config', () => {
  it('normalises with per-channel mean/std', () => {
    const p = new ImageProcessor({ size: [1, 1], mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2] });
    const img: Image = { data: Float32Array.from([1, 0.5, 1]), height: 1, width: 1, channels: 3 };
    expect([...p.normalize(img)]).toEqual([1, 1, 0.5]);
  });

  it('normalizeInto: 8-bit and float inputs, 1 and 3 channels, at an offset, equal the per-value formula', () => {
    for (const channels of [1, 3] as const) {
      const mean = channels === 3 ? [0.485, 0.456, 0.406] : [0.3];
      const std = channels === 3 ? [0.229, 0.224, 0.225] : [0.7];
      const p = new ImageProcessor({ size: [3, 5], channels, mean, std });
      const raw = Uint8Array.from({ length: 15 * channels }, (_, i) => (i * 37) % 256);
      const float = Float32Array.from(raw, (v) => v / 255);
      const want = Float32Array.from(raw, (v, i) => ((v * (1 / 255)) - p.mean[i % channels]) * (1 / p.std[i % channels]));
      for (const data of [raw, float]) {
        const out = new Float32Array(2 + raw.length).fill(7);
        p.normalizeInto({ data, height: 3, width: 5, channels }, out, 2);
        expect([out[0], out[1]]).toEqual([7, 7]);
        const got = out.subarray(2);
        for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 5);
      }
    }
  });

  it('process = decode → augment → normalise, with the rng passed through', async () => {
    const p = new ImageProcessor({ size: [1, 1], channels: 1, mean: [0], std: [1] });
    const seen: number[] = [];
    const invert = {
      apply: (im: Image, rng: Rng) => {
        seen.push(rng.next());
        return { ...im, data: im.data.map((v) => 1 - v) };
      },
    };
    const out = await p.process(await rawPng([51], 1, 1, 1), invert, new Rng(1));
    expect(out[0]).toBeCloseTo(1 - 51 / 255, 6);
    expect(seen).toEqual([new Rng(1).next()]);
  });

  it('rejects mean/std of the wrong length and unknown keys', () => {
    expect(() => new ImageProcessor({ channels: 1, mean: [0.1, 0.2, 0.3] })).toThrow(ConfigError);
    expect(() => new ImageProcessor({ sizes: [2, 2] } as never)).toThrow();
  });

  it('toConfig round-trips and is buildable from config', () => {
    const p = new ImageProcessor({ size: [28, 28], channels: 1 });
    expect(p.outputShape).toEqual([28, 28, 1]);
    expect(p.toConfig()).toMatchObject({ size: [28, 28], channels: 1, mean: [0.5], std: [0.5], resize: 'stretch' });
    expect(new ImageProcessor(p.toConfig()).toConfig()).toEqual(p.toConfig());
    const registries = createRegistries(register);
    const built = new ComponentBuilder(registries).build<ImageProcessor>(
      'processors',
      { _target_: 'image', size: [8, 8], channels: 3 },
      'data.processor',
    );
    expect(built).toBeInstanceOf(ImageProcessor);
    expect(built.outputShape).toEqual([8, 8, 3]);
  });
});
