import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Logger, memorySink, Rng } from '@kiln/core';
import { ImageProcessor } from '@kiln/processors';
import { CsvDataModule, type Batch, type DataLoader } from '../src/index';
import { imageFolder, tempDir, truncatedPng, write } from './fixtures';

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

/** 20 good images (rows 1-20) plus bad files at rows 21-23: text, truncated, truncated. */
async function folderWithBadImages(): Promise<string> {
  const { dir, rows } = await imageFolder(10);
  write(join(dir, 'img/text.png'), 'not a png\n');
  write(join(dir, 'img/trunc1.png'), await truncatedPng());
  write(join(dir, 'img/trunc2.png'), await truncatedPng());
  write(join(dir, 'train.csv'), `path,label\n${[...rows, 'img/text.png,a', 'img/trunc1.png,b', 'img/trunc2.png,a'].join('\n')}\n`);
  return dir;
}

describe('verify: stat (default)', () => {
  it('drops missing and empty files before training without decoding anything', async () => {
    const { dir, rows } = await imageFolder(10);
    write(join(dir, 'img/empty.png'), '');
    write(join(dir, 'train.csv'), `path,label\n${[...rows, 'img/missing.png,a', 'img/empty.png,b', 'img/sub,a'].join('\n')}\n`);
    write(join(dir, 'img/sub/x.png'), 'a folder named like a file is not one');
    const { sink, logger } = capture();
    const dm = new CsvDataModule({ trainCsv: join(dir, 'train.csv'), processor: processor(), maxBadFraction: 0.2 }, { logger });
    await dm.setup('fit');
    const warns = sink.records.filter((r) => r.level === 'WARN').map((r) => r.message);
    expect(warns).toEqual([
      expect.stringMatching(/train\.csv row 21: file not found: .*img\/missing\.png/),
      expect.stringMatching(/train\.csv row 22: empty file \(0 bytes\): .*img\/empty\.png/),
      expect.stringMatching(/train\.csv row 23: not a regular file: .*img\/sub/),
    ]);
    expect(dm.trainLoader().length).toBe(Math.ceil(20 / 64));
  });

  it('verify: none keeps every row until it loads', async () => {
    const { dir, rows } = await imageFolder(10);
    write(join(dir, 'train.csv'), `path,label\n${[...rows, 'img/missing.png,a'].join('\n')}\n`);
    const dm = new CsvDataModule({ trainCsv: join(dir, 'train.csv'), processor: processor(), verify: 'none', maxBadFraction: 0.2, shuffle: false, batchSize: 21 });
    await dm.setup('fit');
    const [batch] = await collect(dm.trainLoader());
    expect(batch.rows).toEqual([...Array.from({ length: 20 }, (_, i) => i + 1), 1]); // row 21's slot wraps to the first sample
  });

  it('a header-only CSV is reported as itself having no data rows', async () => {
    const dir = tempDir();
    write(join(dir, 'empty.csv'), 'path,label\n');
    const { dir: other } = await imageFolder(2);
    const dm = new CsvDataModule({ trainCsv: join(dir, 'empty.csv'), valCsv: join(other, 'train.csv'), processor: processor() });
    await expect(dm.setup('fit')).rejects.toThrow(/^empty\.csv has no data rows/);
    const test = new CsvDataModule({ testCsv: join(dir, 'empty.csv'), classes: ['a'], processor: processor() });
    await expect(test.setup('test')).rejects.toThrow(/empty\.csv has no data rows/);
  });
});

describe('images that fail to decode while their batch loads', () => {
  const options = (dir: string, extra: Record<string, unknown> = {}) => ({
    trainCsv: join(dir, 'train.csv'),
    processor: processor(),
    batchSize: 5,
    seed: 11,
    maxBadFraction: 0.2,
    ...extra,
  });

  it('are dropped with a WARN naming row and path, their slot taken by the next sample; a resumed run gets the same batches', async () => {
    const dir = await folderWithBadImages();
    const { sink, logger } = capture();
    const dm = new CsvDataModule(options(dir), { logger });
    await dm.setup('fit'); // stat only: the bad files exist and are non-empty
    expect(dm.trainLoader().length).toBe(5);
    const loader = dm.trainLoader() as DataLoader & { stats(): { dropped: number; droppedTotal: number; steps: number } };
    const order = new Rng(11, 'shuffle', 0).permutation(23);
    const batches = await collect(loader);
    const rows = batches.flatMap((b) => b.rows);
    expect(rows).toHaveLength(23);
    expect(rows.filter((r) => r > 20)).toEqual([]);
    // each bad position holds the next sample of the epoch order that decodes
    const isBad = (i: number) => i >= 20;
    order.forEach((idx, p) => {
      let k = 0;
      while (isBad(order[(p + k) % 23])) k++;
      expect(rows[p]).toBe(order[(p + k) % 23] + 1);
      if (!isBad(idx)) expect(rows[p]).toBe(idx + 1);
    });
    const warns = sink.records.filter((r) => r.level === 'WARN').map((r) => r.message);
    expect(warns).toHaveLength(3);
    expect(warns.join('\n')).toMatch(/dropped train\.csv row 21 \(.*img\/text\.png\): not an image/);
    expect(warns.join('\n')).toMatch(/dropped train\.csv row 22 \(.*img\/trunc1\.png\): truncated or corrupt/);
    expect(loader.stats()).toMatchObject({ dropped: 3, droppedTotal: 3, steps: 5 });
    expect(sink.records.some((r) => r.level === 'INFO' && /train epoch 0: 5 batches, .*dropped 3 undecodable/.test(r.message))).toBe(true);

    // epoch 1 knows the bad rows already: no new WARN, same refill rule
    const e1 = await collect(dm.trainLoader());
    expect(e1.flatMap((b) => b.rows).filter((r) => r > 20)).toEqual([]);
    expect(sink.records.filter((r) => r.level === 'WARN')).toHaveLength(3);

    // a fresh process resuming at epoch 0, batch 2 sees exactly batches 2..4
    const resumed = new CsvDataModule(options(dir));
    await resumed.setup('fit');
    resumed.loadStateDict({ epoch: 0, batchIndex: 2 });
    resumed.trainLoader().setEpoch(0);
    const rest = await collect(resumed.trainLoader());
    expect(rest.map((b) => b.rows)).toEqual(batches.slice(2).map((b) => b.rows));
    expect(rest.map((b) => [...b.images])).toEqual(batches.slice(2).map((b) => [...b.images]));
  });

  it('abort the run with a clear error once more than maxBadFraction of the CSV is bad', async () => {
    const dir = await folderWithBadImages();
    const dm = new CsvDataModule(options(dir, { maxBadFraction: 0.1 })); // 2 of 23 allowed
    await dm.setup('fit');
    await expect(collect(dm.trainLoader())).rejects.toThrow(
      /train\.csv: 3 of 23 rows are bad \(13\.0% > maxBadFraction 10%\): 0 dropped before training, 3 undecodable while loading; last: row 2\d/,
    );
  });
});
