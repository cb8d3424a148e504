import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DataError, Logger, memorySink, Rng } from '@kiln/core';
import { Compose } from '@kiln/augmentation';
import { ImageProcessor, type Image } from '@kiln/processors';
import { CsvDataModule, loadClasses, type Batch, type DataLoader } from '../src/index';
import { imageFolder, pngHeaderOnly, solidPng, tempDir, truncatedPng, write } from './fixtures';

const processor = () => new ImageProcessor({ size: [4, 4], channels: 3, mean: [0], std: [1] });

function capture() {
  const sink = memorySink();
  return { sink, logger: new Logger({ level: 'DEBUG', sinks: [sink] }) };
}

async function collect(loader: DataLoader): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of loader) out.push(b);
  return out;
}

/** The source pixel value (10 + i) of each image of a batch, read back from the first value. */
const values = (b: Batch) => Array.from({ length: b.shape[0] }, (_, i) => Math.round(b.images[i * 48] * 255));

describe('CsvDataModule: bad inputs', () => {
  it('verify: decode drops missing, empty, non-image, truncated and oversized files with a WARN naming row and path', async () => {
    const { dir, rows } = await imageFolder(20); // 40 good rows
    write(join(dir, 'img/empty.png'), '');
    write(join(dir, 'img/text.png'), 'not a png at all\n');
    write(join(dir, 'img/trunc.png'), await truncatedPng());
    write(join(dir, 'img/huge.png'), pngHeaderOnly(20000, 20000));
    write(join(dir, 'img/gray.png'), await solidPng(77, 4, 1));
    write(join(dir, 'img/rgba.png'), await solidPng(88, 4, 4));
    const extra = ['img/missing.png,a', 'img/empty.png,a', 'img/text.png,b', 'img/trunc.png,a', 'img/huge.png,b', 'img/gray.png,a', 'img/rgba.png,b'];
    write(join(dir, 'train.csv'), `path,label\n${[...rows, ...extra].join('\n')}\n`);
    const { sink, logger } = capture();
    const dm = new CsvDataModule({ trainCsv: join(dir, 'train.csv'), processor: processor(), maxBadFraction: 0.2, shuffle: false, batchSize: 100, verify: 'decode' }, { logger });
    await dm.setup('fit');
    const warns = sink.records.filter((r) => r.level === 'WARN').map((r) => r.message);
    expect(warns).toHaveLength(5);
    expect(warns[0]).toMatch(/train\.csv row 41: file not found: .*img\/missing\.png/);
    expect(warns[1]).toMatch(/row 42: empty file \(0 bytes\): .*img\/empty\.png/);
    expect(warns[2]).toMatch(/row 43: not an image .*img\/text\.png/);
    expect(warns[3]).toMatch(/row 44: truncated or corrupt image .*img\/trunc\.png/);
    expect(warns[4]).toMatch(/row 45: image too large .*img\/huge\.png/);
    expect(sink.records.some((r) => r.level === 'INFO' && r.message === 'train.csv: kept 42 rows, dropped 5')).toBe(true);
    const [batch] = await collect(dm.trainLoader());
    expect(batch.rows).toEqual([...Array.from({ length: 40 }, (_, i) => i + 1), 46, 47]);
    // grayscale replicated to 3 channels; RGBA (opaque) keeps its colour
    expect(Array.from(batch.images.subarray(40 * 48, 40 * 48 + 3), (v) => Math.round(v * 255))).toEqual([77, 77, 77]);
    expect(Math.round(batch.images[41 * 48 + 2] * 255)).toBe(88);
  });

  it('aborts with a clear error when more than maxBadFraction of rows are bad', async () => {
    const { dir, rows } = await imageFolder(5);
    write(join(dir, 'train.csv'), `path,label\n${[...rows, 'gone1.png,a', 'gone2.png,b'].join('\n')}\n`);
    const dm = new CsvDataModule({ trainCsv: join(dir, 'train.csv'), processor: processor() });
    await expect(dm.setup('fit')).rejects.toThrow(/train\.csv: 2 of 12 rows are bad \(16\.7% > maxBadFraction 5%\)/);
  });

  it('stops before training on an unknown class or an out-of-range id, naming the row (CRITICAL)', async () => {
    const { dir, rows } = await imageFolder(2);
    write(join(dir, 'train.csv'), `path,label\n${rows.join('\n')}\n${rows[0].replace(',a', ',zebra')}\n`);
    const { sink, logger } = capture();
    const dm = new CsvDataModule({ trainCsv: join(dir, 'train.csv'), classes: ['a', 'b'], processor: processor() }, { logger });
    await expect(dm.setup('fit')).rejects.toThrow(DataError);
    expect(sink.records.find((r) => r.level === 'CRITICAL')?.message).toMatch(/row 5: unknown class 'zebra'/);

    write(join(dir, 'ids.csv'), `path,label\n${rows[0].replace(',a', ',1')}\n${rows[1].replace(',b', ',2')}\n`);
    const ids = new CsvDataModule({ trainCsv: join(dir, 'ids.csv'), classes: ['a', 'b'], processor: processor() });
    await expect(ids.setup('fit')).rejects.toThrow(/row 2: label id 2 is out of range \[0, 2\)/);
  });

  it('requires trainCsv for fit and testCsv for test', async () => {
    const dm = new CsvDataModule({ processor: processor() });
    await expect(dm.setup('fit')).rejects.toThrow(ConfigError);
    await expect(dm.setup('fit')).rejects.toThrow('data.trainCsv is required for data=csv');
    await expect(dm.setup('test')).rejects.toThrow('data.testCsv is required for test');
  });
});

describe('CsvDataModule: classes', () => {
  it('infers sorted classes, writes classes.json to the run dir and reuses it for test', async () => {
    const { dir, rows } = await imageFolder(3, ['zeta', 'alpha', 'mid']);
    const runDir = tempDir('kiln-run-');
    const dm = new CsvDataModule({ trainCsv: join(dir, 'train.csv'), processor: processor() }, { runDir });
    await dm.setup('fit');
    expect(dm.classes).toEqual(['alpha', 'mid', 'zeta']);
    expect(JSON.parse(readFileSync(join(runDir, 'classes.json'), 'utf8'))).toEqual(['alpha', 'mid', 'zeta']);
    expect(loadClasses(runDir)).toEqual(['alpha', 'mid', 'zeta']);
    // A test CSV with only one of the classes still gets the run's full class list.
    write(join(dir, 'test.csv'), `path,label\n${rows[0]}\n`);
    const test = new CsvDataModule({ testCsv: join(dir, 'test.csv'), processor: processor() }, { runDir });
    await test.setup('test');
    expect(test.classes).toEqual(['alpha', 'mid', 'zeta']);
    const [batch] = await collect(test.testLoader()!);
    expect([...batch.labels!]).toEqual([2]);
  });

  it('test CSVs may have no label column', async () => {
    const { dir, rows } = await imageFolder(2);
    write(join(dir, 'test.csv'), `path\n${rows.map((r) => r.split(',')[0]).join('\n')}\n`);
    const dm = new CsvDataModule({ testCsv: join(dir, 'test.csv'), classes: ['a', 'b'], processor: processor() });
    await dm.setup('test');
    const [batch] = await collect(dm.testLoader()!);
    expect(batch.labels).toBeUndefined();
    expect(batch.shape).toEqual([4, 4, 4, 3]);
  });

  it('valSplit is stratified and seeded', async () => {
    const { dir } = await imageFolder(10);
    const make = (seed: number) =>
      new CsvDataModule({ trainCsv: join(dir, 'train.csv'), valSplit: 0.2, seed, processor: processor(), cache: 'memory' });
    const a = make(1);
    await a.setup('fit');
    const val = (await collect(a.valLoader()!)).flatMap((b) => [...b.labels!]);
    expect(val.sort()).toEqual([0, 0, 1, 1]);
    const train = (await collect(a.trainLoader())).flatMap((b) => b.rows);
    expect(train).toHaveLength(16);
    const b = make(1);
    await b.setup('fit');
    expect((await collect(b.valLoader()!)).flatMap((x) => x.rows)).toEqual((await collect(a.valLoader()!)).flatMap((x) => x.rows));
    const c = make(2);
    await c.setup('fit');
    expect((await collect(c.valLoader()!)).flatMap((x) => x.rows)).not.toEqual((await collect(a.valLoader()!)).flatMap((x) => x.rows));
  });
});

describe('CsvDataModule: batches', () => {
  async function module(extra: Record<string, unknown> = {}) {
    const { dir } = await imageFolder(10); // 20 images, values 10..29 in row order
    const dm = new CsvDataModule({ trainCsv: join(dir, 'train.csv'), processor: processor(), batchSize: 6, seed: 3, ...extra });
    await dm.setup('fit');
    return dm;
  }

  it('unshuffled batches follow the CSV, last one partial unless dropLast', async () => {
    const dm = await module({ shuffle: false });
    const batches = await collect(dm.trainLoader());
    expect(dm.trainLoader().length).toBe(4);
    expect(batches.map((b) => b.shape[0])).toEqual([6, 6, 6, 2]);
    expect(batches.flatMap(values)).toEqual(Array.from({ length: 20 }, (_, i) => 10 + i));
    expect([...batches[0].labels!]).toEqual([0, 1, 0, 1, 0, 1]);
    const dropped = await module({ shuffle: false, dropLast: true });
    expect(dropped.trainLoader().length).toBe(3);
    expect((await collect(dropped.trainLoader())).length).toBe(3);
  });

  it('shuffles by seed and epoch: same seed → same batches; each epoch a new permutation', async () => {
    const a = await module();
    const b = await module();
    const e0 = (await collect(a.trainLoader())).flatMap((x) => x.rows);
    expect((await collect(b.trainLoader())).flatMap((x) => x.rows)).toEqual(e0);
    expect([...e0].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(e0).toEqual(new Rng(3, 'shuffle', 0).permutation(20).map((i) => i + 1));
    a.trainLoader().setEpoch(1);
    const e1 = (await collect(a.trainLoader())).flatMap((x) => x.rows);
    expect(e1).toEqual(new Rng(3, 'shuffle', 1).permutation(20).map((i) => i + 1));
    expect(e1).not.toEqual(e0);
  });

  it('cache memory, decode concurrency and prefetch never change the batches', async () => {
    const ref = await collect((await module({ cache: 'none', decodeConcurrency: 1, prefetch: 0 })).trainLoader());
    for (const extra of [{ cache: 'memory' }, { decodeConcurrency: 8, prefetch: 4 }]) {
      const got = await collect((await module(extra)).trainLoader());
      expect(got.map((b) => [b.rows, [...b.images]])).toEqual(ref.map((b) => [b.rows, [...b.images]]));
    }
  });

  it('two shards of a global batch see exactly the samples of one worker', async () => {
    const whole = (await collect((await module()).trainLoader())).map((b) => b.rows);
    const dm = await module();
    const r0 = await collect(dm.trainLoader({ rank: 0, worldSize: 2 }));
    const dm1 = await module();
    const r1 = await collect(dm1.trainLoader({ rank: 1, worldSize: 2 }));
    expect(r0.length).toBe(whole.length);
    expect(whole.map((rows, i) => [...r0[i].rows, ...r1[i].rows])).toEqual(whole);
    expect(r0[0].rows).toEqual(whole[0].slice(0, 3));
  });

  it('resumes exactly from stateDict in the middle of an epoch', async () => {
    const a = await module();
    a.trainLoader().setEpoch(2);
    const seen: number[][] = [];
    let state: Record<string, unknown> = {};
    for await (const b of a.trainLoader()) {
      seen.push(b.rows);
      if (seen.length === 2) state = a.stateDict();
    }
    expect(state).toEqual({ epoch: 2, batchIndex: 2 });
    expect(a.stateDict()).toEqual({ epoch: 3, batchIndex: 0 });
    const b = await module();
    b.loadStateDict(state);
    b.trainLoader().setEpoch(2); // the trainer calls setEpoch for the resumed epoch: the position is kept
    const rest = (await collect(b.trainLoader())).map((x) => x.rows);
    expect(rest).toEqual(seen.slice(2));
  });

  it('applies per-sample augmentation seeded by (epoch, sample), train only', async () => {
    const noise = { apply: (im: Image, rng: Rng) => ({ ...im, data: im.data.map(() => rng.next()) }) };
    const a = await module({ augmentation: noise, decodeConcurrency: 1 });
    const b = await module({ augmentation: noise, decodeConcurrency: 7, cache: 'memory' });
    const ba = await collect(a.trainLoader());
    expect((await collect(b.trainLoader())).map((x) => [...x.images])).toEqual(ba.map((x) => [...x.images]));
    // sample with source index i (row i+1) in epoch 0 draws from Rng(3, 'augment', 0, i)
    const idx = ba[0].rows[0] - 1;
    expect(ba[0].images[0]).toBeCloseTo(new Rng(3, 'augment', 0, idx).next(), 6);
    const withVal = await module({ augmentation: noise, valSplit: 0.5 });
    const [valBatch] = await collect(withVal.valLoader()!);
    expect(values(valBatch)).toEqual(valBatch.rows.map((r) => 9 + r)); // untouched pixels: 10 + (row - 1)
  });

  it('runs batch-level transforms and returns soft targets', async () => {
    const swapHalf = {
      batchLevel: true as const,
      applyBatch: (batch: { images: Float32Array; targets: Float32Array; numClasses: number }) => ({
        images: batch.images,
        targets: batch.targets.map((t) => t * 0.5 + 0.25),
      }),
    };
    const compose = new Compose({ transforms: [swapHalf] });
    const dm = await module({ augmentation: compose, shuffle: false });
    const [first] = await collect(dm.trainLoader());
    expect([...first.targets!.subarray(0, 4)]).toEqual([0.75, 0.25, 0.25, 0.75]);
    expect([...first.labels!.subarray(0, 2)]).toEqual([0, 1]);
    const [val] = await collect((await module({ augmentation: compose, valSplit: 0.5 })).valLoader()!);
    expect(val.targets).toBeUndefined();
  });

  it('builds the processor from plain options and checks setup order', async () => {
    const { dir } = await imageFolder(1);
    const dm = new CsvDataModule({ trainCsv: join(dir, 'train.csv'), processor: { _target_: 'image', size: [2, 2] } });
    expect(dm.inputShape).toEqual([2, 2, 3]);
    expect(() => dm.trainLoader()).toThrow(/setup\('fit'\)/);
    expect(() => dm.classes).toThrow(/setup/);
    expect(existsSync(join(dir, 'train.csv'))).toBe(true);
  });
});
