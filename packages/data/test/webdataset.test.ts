import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Logger, memorySink, Rng } from '@kiln/core';
import { Compose, HFlip, Translate } from '@kiln/augmentation';
import { ImageProcessor } from '@kiln/processors';
import {
  TarWriter,
  WebDatasetDataModule,
  assignShards,
  countTarSamples,
  expandShards,
  packShards,
  readTar,
  shuffleBuffer,
  type Batch,
  type DataLoader,
} from '../src/index';
import { imageFolder, solidPng, tempDir, write } from './fixtures';

const processor = () => new ImageProcessor({ size: [4, 4], channels: 3, mean: [0], std: [1] });

async function collect(loader: DataLoader): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of loader) out.push(b);
  return out;
}
/** Pixel value of image i of a batch = the source image's value (10 + CSV index). */
const values = (b: Batch) => Array.from({ length: b.shape[0] }, (_, i) => Math.round(b.images[i * 48] * 255));

/** 24 solid PNGs (values 10..33) packed 5 per shard → 5 shards (5,5,5,5,4). */
async function packed(): Promise<{ dir: string; pattern: string; shards: string[] }> {
  const { dir } = await imageFolder(12);
  const out = join(dir, 'shards');
  const r = await packShards({ csv: join(dir, 'train.csv'), out, shardSize: 5 });
  return { dir, pattern: r.pattern, shards: r.shards };
}

describe('tar reader / writer', () => {
  it('round-trips entries (long names via the ustar prefix) and is readable by GNU tar', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.tar');
    const w = new TarWriter(path);
    const long = `${'d'.repeat(120)}/file.bin`;
    await w.add('x.txt', Buffer.from('hello'));
    await w.add(long, Buffer.alloc(1000, 7));
    await w.add('empty', Buffer.alloc(0));
    await w.close();
    const got: Array<[string, number]> = [];
    for await (const e of readTar(path)) got.push([e.name, e.data.length]);
    expect(got).toEqual([['x.txt', 5], [long, 1000], ['empty', 0]]);
    let listing = '';
    try {
      listing = execFileSync('tar', ['-tf', path], { encoding: 'utf8' });
    } catch {
      return; // no tar binary here: the round trip above is the check
    }
    expect(listing.trim().split('\n')).toEqual(['x.txt', long, 'empty']);
  });

  it('reports a truncated archive naming the file', async () => {
    const dir = tempDir();
    const path = join(dir, 'a.tar');
    const w = new TarWriter(path);
    await w.add('x.png', Buffer.alloc(3000, 1));
    await w.close();
    const cut = write(join(dir, 'cut.tar'), readFileSync(path).subarray(0, 1500));
    await expect(async () => {
      for await (const _ of readTar(cut)) void _;
    }).rejects.toThrow(/cut\.tar: truncated tar entry/);
  });

  it('expands brace ranges and assigns every shard to exactly one of rank × worker', () => {
    expect(expandShards('s-{08..11}.tar')).toEqual(['s-08.tar', 's-09.tar', 's-10.tar', 's-11.tar']);
    const shards = expandShards('s-{000..009}.tar');
    const parts = [0, 1].flatMap((rank) => [0, 1].map((worker) => assignShards(shards, { epoch: 3, seed: 1, shuffle: true, rank, worldSize: 2, worker, workers: 2 })));
    expect(parts.flat().sort()).toEqual(shards);
    expect(new Set(parts.flat()).size).toBe(10);
  });

  it('the shuffle buffer is a seeded permutation of its input', async () => {
    async function* items() {
      for (let i = 0; i < 50; i++) yield i;
    }
    const run = async (seed: number) => {
      const out: number[] = [];
      for await (const x of shuffleBuffer(items(), 8, new Rng(seed))) out.push(x);
      return out;
    };
    const a = await run(1);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await run(1)).toEqual(a);
    expect(await run(2)).not.toEqual(a);
  });
});

describe('packShards + webdataset data module', () => {
  it('packs a CSV into shards with classes.json, then reads them back in order without shuffling', async () => {
    const { pattern, shards } = await packed();
    expect(shards).toHaveLength(5);
    expect(shards.map(countTarSamples)).toEqual([5, 5, 5, 5, 4]);
    expect(JSON.parse(readFileSync(join(shards[0], '..', 'classes.json'), 'utf8'))).toEqual(['a', 'b']);
    const dm = new WebDatasetDataModule({ trainShards: pattern, valShards: pattern, processor: processor(), batchSize: 4, shuffle: false });
    await dm.setup('fit');
    expect(dm.classes).toEqual(['a', 'b']);
    const batches = await collect(dm.trainLoader());
    expect(batches).toHaveLength(6);
    expect(batches.flatMap(values)).toEqual(Array.from({ length: 24 }, (_, i) => 10 + i));
    expect(batches.flatMap((b) => [...b.labels!]).slice(0, 4)).toEqual([0, 1, 0, 1]);
  });

  it('reads the same order under the same seed, another per epoch, and splits across 2 ranks without overlap', async () => {
    const { pattern } = await packed();
    const make = async () => {
      const dm = new WebDatasetDataModule({ trainShards: pattern, processor: processor(), batchSize: 4, seed: 5, shuffleBuffer: 6 });
      await dm.setup('fit');
      return dm;
    };
    const a = (await collect((await make()).trainLoader())).flatMap(values);
    const b = (await collect((await make()).trainLoader())).flatMap(values);
    expect(b).toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 24 }, (_, i) => 10 + i));
    expect(a).not.toEqual(Array.from({ length: 24 }, (_, i) => 10 + i));
    const dm = await make();
    dm.trainLoader().setEpoch(1);
    expect((await collect(dm.trainLoader())).flatMap(values)).not.toEqual(a);

    // rank 0 owns shards 0, 2, 4 (14 samples), rank 1 shards 1, 3 (10): both take floor(10 / 2) = 5 steps of 2
    const ranks = await Promise.all(
      [0, 1].map(async (rank) => {
        const m = await make();
        const loader = m.trainLoader({ rank, worldSize: 2 });
        expect(loader.length).toBe(5);
        return (await collect(loader)).flatMap(values);
      }),
    );
    expect(ranks.map((r) => r.length)).toEqual([10, 10]);
    expect(ranks[0].filter((v) => ranks[1].includes(v))).toEqual([]);
    const shardOf = (v: number) => Math.floor((v - 10) / 5);
    expect(ranks[0].every((v) => [0, 2, 4].includes(shardOf(v)))).toBe(true);
    expect(ranks[1].every((v) => [1, 3].includes(shardOf(v)))).toBe(true);
  });

  it('drops an undecodable sample with a WARN naming shard and key, refills its slot, and resumes exactly', async () => {
    const { dir } = await imageFolder(6);
    write(join(dir, 'img/bad.png'), 'not a png');
    const rows = readFileSync(join(dir, 'train.csv'), 'utf8').trim().split('\n');
    rows.splice(4, 0, 'img/bad.png,a');
    write(join(dir, 'train.csv'), `${rows.join('\n')}\n`);
    const { pattern } = await packShards({ csv: join(dir, 'train.csv'), out: join(dir, 'shards'), shardSize: 4 });
    const sink = memorySink();
    const make = async (logger?: Logger) => {
      const dm = new WebDatasetDataModule(
        { trainShards: pattern, processor: processor(), batchSize: 3, shuffle: false, maxBadFraction: 0.2 },
        { logger },
      );
      await dm.setup('fit');
      return dm;
    };
    const dm = await make(new Logger({ sinks: [sink] }));
    const all: Batch[] = [];
    let state: Record<string, unknown> = {};
    for await (const b of dm.trainLoader()) {
      all.push(b);
      if (all.length === 2) state = dm.stateDict();
    }
    const warns = sink.records.filter((r) => r.level === 'WARN').map((r) => r.message);
    expect(warns).toEqual([expect.stringMatching(/dropped shard-000000\.tar sample 000000003: not an image/)]);
    expect(all.flatMap(values)).toEqual(Array.from({ length: 12 }, (_, i) => 10 + i)); // row 4's slot holds the next sample
    expect((dm.trainLoader() as unknown as { stats(): { dropped: number; steps: number } }).stats()).toMatchObject({ dropped: 1, steps: 4 });
    const resumed = await make();
    resumed.loadStateDict(state);
    resumed.trainLoader().setEpoch(0);
    expect((await collect(resumed.trainLoader())).map(values)).toEqual(all.slice(2).map(values));
  });

  it('decodes and augments in worker threads with the same batches as the main thread', async () => {
    const { pattern } = await packed();
    const run = async (workers: number) => {
      const dm = new WebDatasetDataModule({
        trainShards: pattern,
        processor: processor(),
        batchSize: 4,
        seed: 3,
        shuffleBuffer: 5,
        workers,
        augmentation: new Compose({ transforms: [new HFlip({ p: 0.5 }), new Translate({ translate: [0.25, 0.25] })] }),
      });
      await dm.setup('fit');
      return (await collect(dm.trainLoader())).map((b) => [b.rows, [...b.images]]);
    };
    const main = await run(0);
    expect(await run(1)).toEqual(main);
  });

  it('needs classes when no classes.json sits beside the shards', async () => {
    const dir = tempDir();
    const w = new TarWriter(join(dir, 's.tar'));
    await w.add('k.png', await solidPng(1));
    await w.add('k.cls', Buffer.from('0'));
    await w.close();
    const dm = new WebDatasetDataModule({ trainShards: join(dir, 's.tar'), processor: processor() });
    await expect(dm.setup('fit')).rejects.toThrow(/data\.classes is required/);
    const ok = new WebDatasetDataModule({ trainShards: join(dir, 's.tar'), classes: ['x'], processor: processor(), batchSize: 1 });
    await ok.setup('fit');
    expect((await collect(ok.trainLoader()))[0].shape).toEqual([1, 4, 4, 3]);
  });
});
