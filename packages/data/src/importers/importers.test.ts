import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { Rng } from '@kiln/core';
import { ImageProcessor } from '@kiln/processors';
import { tempDir, write } from '../../test/fixtures';
import { CsvDataModule } from '../csv-data-module';
import { readCsvSamples } from '../csv/read-csv';
import { CIFAR10_CLASSES, importCifar10, parseCifarBatch } from './cifar10';
import { FASHION_MNIST_CLASSES, importIdx, parseIdx } from './idx';

function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

const randomBytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => new Rng(seed, i).int(256));

/** Pixels as stored: grayscale PNGs must stay 1-channel. */
async function pixels(path: string): Promise<number[]> {
  const { channels } = await sharp(path).metadata();
  const img = sharp(path);
  const { data } = await (channels === 1 ? img.toColourspace('b-w') : img).raw().toBuffer({ resolveWithObject: true });
  return [...data];
}

describe('importIdx', () => {
  it('round-trips MNIST-style images from gzipped and raw idx files', async () => {
    const dir = tempDir();
    const [n, h, w] = [5, 4, 3];
    const imageBytes = randomBytes(n * h * w, 1);
    const labels = Uint8Array.from([3, 0, 3, 9, 1]);
    write(join(dir, 'images.gz'), gzipSync(idx([n, h, w], imageBytes)));
    write(join(dir, 'labels'), idx([n], labels));
    const out = join(dir, 'out');
    const { csvPath, count } = await importIdx({ images: join(dir, 'images.gz'), labels: join(dir, 'labels'), outDir: out });
    expect(count).toBe(5);
    const csv = readCsvSamples(csvPath);
    expect(csv.samples.map((s) => s.label)).toEqual(['3', '0', '3', '9', '1']);
    expect(readFileSync(csvPath, 'utf8').split('\n')[1]).toBe('train/3/00000.png,3');
    expect((await sharp(csv.samples[0].path).metadata()).channels).toBe(1);
    for (let i = 0; i < n; i++) {
      expect(await pixels(csv.samples[i].path)).toEqual([...imageBytes.subarray(i * h * w, (i + 1) * h * w)]);
    }
    // …and the result loads as a Kiln CSV dataset
    const dm = new CsvDataModule({
      trainCsv: csvPath,
      classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      shuffle: false,
      processor: new ImageProcessor({ size: [h, w], channels: 1, mean: [0], std: [1] }),
    });
    await dm.setup('fit');
    for await (const b of dm.trainLoader()) {
      expect([...b.labels!]).toEqual([3, 0, 3, 9, 1]);
      expect(Math.round(b.images[h * w] * 255)).toBe(imageBytes[h * w]);
    }
  });

  it('uses Fashion-MNIST class names (folder-safe) and a chosen split', async () => {
    const dir = tempDir();
    write(join(dir, 'i'), idx([1, 2, 2], Uint8Array.from([1, 2, 3, 4])));
    write(join(dir, 'l'), idx([1], Uint8Array.from([0])));
    const { csvPath } = await importIdx({ images: join(dir, 'i'), labels: join(dir, 'l'), outDir: dir, classes: FASHION_MNIST_CLASSES, split: 'test' });
    expect(readFileSync(csvPath, 'utf8')).toBe('path,label\ntest/T-shirt_top/00000.png,T-shirt/top\n');
  });

  it('rejects malformed idx data', () => {
    expect(() => parseIdx(Buffer.from('hello world'))).toThrow(/not an IDX file/);
    expect(() => parseIdx(idx([2, 2, 2], Uint8Array.from([1, 2, 3])))).toThrow(/truncated/);
  });
});

describe('importCifar10', () => {
  it('round-trips planar RGB records into PNGs with train/test CSVs', async () => {
    const dir = tempDir();
    const record = (label: number, seed: number) => Buffer.concat([Buffer.from([label]), randomBytes(3072, seed)]);
    const train = [record(6, 1), record(0, 2)];
    write(join(dir, 'data_batch_1.bin'), Buffer.concat(train));
    write(join(dir, 'test_batch.bin'), record(9, 3));
    const out = join(dir, 'out');
    const result = await importCifar10({ batchesDir: dir, outDir: out });
    expect(Object.fromEntries(Object.entries(result).map(([k, v]) => [k, v.count]))).toEqual({ train: 2, test: 1 });
    const csv = readCsvSamples(result.train.csvPath);
    expect(csv.samples.map((s) => s.label)).toEqual(['frog', 'airplane']);
    const got = await pixels(csv.samples[0].path);
    const src = train[0];
    // pixel (row 5, col 7): R, G, B from the three planes
    const p = 5 * 32 + 7;
    expect(got.slice(p * 3, p * 3 + 3)).toEqual([src[1 + p], src[1 + 1024 + p], src[1 + 2048 + p]]);
    expect(got).toEqual([...parseCifarBatch(src)[0].pixels]);
    expect(readCsvSamples(result.test.csvPath).samples[0].label).toBe(CIFAR10_CLASSES[9]);
  });

  it('fails clearly without batches or with a bad record size', async () => {
    await expect(importCifar10({ batchesDir: tempDir(), outDir: tempDir() })).rejects.toThrow(/no CIFAR-10 batches/);
    expect(() => parseCifarBatch(new Uint8Array(100))).toThrow(/not a multiple of 3073/);
  });
});
