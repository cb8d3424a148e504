import { readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageProcessor } from '@kiln/processors';
import { CsvDataModule, type Batch, type DataLoader } from '../src/index';
import { imageFolder, solidPng, tempDir, write } from './fixtures';

const processor = () => new ImageProcessor({ size: [4, 4], channels: 3, mean: [0], std: [1] });

async function collect(loader: DataLoader): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of loader) out.push(b);
  return out;
}
const pixels = (bs: Batch[]) => bs.map((b) => [b.rows, [...b.images]]);

type Internals = { sets: { train: { disk?: { hitCount: number; filled: number; path: string }; memory?: { size: number } } } };

describe('cache: memory with a byte budget', () => {
  it('keeps what fits, decodes the rest each time, and never changes a batch', async () => {
    const { dir } = await imageFolder(10); // 20 images of 4×4×3 = 48 bytes
    const make = async (extra: Record<string, unknown>) => {
      const dm = new CsvDataModule({ trainCsv: join(dir, 'train.csv'), processor: processor(), batchSize: 6, seed: 2, ...extra });
      await dm.setup('fit');
      return dm;
    };
    const ref = pixels(await collect((await make({ cache: 'none' })).trainLoader()));
    const small = await make({ cache: 'memory', cacheBytes: 48 * 5 });
    expect(pixels(await collect(small.trainLoader()))).toEqual(ref);
    expect((small as unknown as Internals).sets.train.memory!.size).toBe(5);
    const all = await make({ cache: 'memory', verify: 'decode' }); // the decode pre-pass fills the cache
    expect((all as unknown as Internals).sets.train.memory!.size).toBe(20);
    expect(pixels(await collect(all.trainLoader()))).toEqual(ref);
  });
});

describe('cache: disk', () => {
  it('is filled on the first pass, read back by the next run, and invalidated by a changed image', async () => {
    const { dir } = await imageFolder(10);
    const cacheDir = tempDir('kiln-dcache-');
    const make = async () => {
      const dm = new CsvDataModule({ trainCsv: join(dir, 'train.csv'), processor: processor(), batchSize: 6, seed: 4, cache: 'disk', cacheDir });
      await dm.setup('fit');
      return dm;
    };
    const cold = await make();
    const coldBatches = await collect(cold.trainLoader());
    const coldDisk = (cold as unknown as Internals).sets.train.disk!;
    expect(coldDisk.filled).toBe(20);
    expect(coldDisk.hitCount).toBe(0);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.kdc'))).toHaveLength(1);

    const warm = await make();
    const warmBatches = await collect(warm.trainLoader());
    expect((warm as unknown as Internals).sets.train.disk!.hitCount).toBe(20);
    expect(pixels(warmBatches)).toEqual(pixels(coldBatches));

    // a changed image (new bytes, new mtime) gives a new key: its new pixels are used, not the cached ones
    write(join(dir, 'img/a_0.png'), await solidPng(200));
    utimesSync(join(dir, 'img/a_0.png'), new Date(), new Date(Date.now() + 5000));
    const changed = await make();
    const changedBatches = await collect(changed.trainLoader());
    expect((changed as unknown as Internals).sets.train.disk!.path).not.toBe(coldDisk.path);
    expect((changed as unknown as Internals).sets.train.disk!.hitCount).toBe(0);
    const at = changedBatches.flatMap((b) => b.rows).indexOf(1);
    const b = changedBatches[Math.floor(at / 6)];
    expect(Math.round(b.images[(at % 6) * 48] * 255)).toBe(200);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.kdc'))).toHaveLength(2);
    expect(readdirSync(cacheDir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a different processor uses a different cache file', async () => {
    const { dir } = await imageFolder(2);
    const cacheDir = tempDir('kiln-dcache-');
    for (const size of [4, 2]) {
      const dm = new CsvDataModule({
        trainCsv: join(dir, 'train.csv'),
        processor: new ImageProcessor({ size: [size, size] }),
        cache: 'disk',
        cacheDir,
      });
      await dm.setup('fit');
      const [batch] = await collect(dm.trainLoader());
      expect(batch.shape).toEqual([4, size, size, 3]);
    }
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.kdc'))).toHaveLength(2);
  });
});
