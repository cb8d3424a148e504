import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ColorJitter, Compose, HFlip, RandAugment, RandomErasing, RandomResizedCrop, Rotate, Translate } from '@kiln/augmentation';
import { ImageProcessor } from '@kiln/processors';
import { CsvDataModule, type Batch, type DataLoader } from '../src/index';
import { toTransformSpec } from '../src/workers/transform-spec';
import { imageFolder } from './fixtures';

async function collect(loader: DataLoader): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of loader) out.push(b);
  return out;
}

describe('decoding and augmentation in worker threads', () => {
  it('gives bit-identical batches to the main thread, with and without augmentation and caches', async () => {
    const { dir } = await imageFolder(12);
    const augmentation = new Compose({
      transforms: [new HFlip({ p: 0.5 }), new Translate({ translate: [0.25, 0.25] }), new RandomErasing({ p: 0.5 })],
    });
    const run = async ({ early, ...extra }: Record<string, unknown>) => {
      const dm = new CsvDataModule({
        trainCsv: join(dir, 'train.csv'),
        valSplit: 0.25,
        processor: new ImageProcessor({ size: [4, 4] }),
        batchSize: 5,
        seed: 8,
        augmentation,
        ...extra,
      });
      await dm.setup('fit');
      const train = dm.trainLoader();
      const pool = (dm as unknown as { sets: { train: { pool?: { ready: Promise<boolean> } } } }).sets.train.pool;
      const pooled = Boolean(pool);
      // Batches asked for while the workers start are made on the main thread: wait, so these are
      // the workers' (`early`: a fresh pool, not awaited: the first batches are the main thread's).
      if (pool && !early) expect(await pool.ready).toBe(true);
      const e0 = await collect(train);
      train.setEpoch(1);
      const e1 = await collect(train);
      const val = await collect(dm.valLoader()!);
      return { pooled, batches: [...e0, ...e1, ...val].map((b) => [b.rows, [...b.images]]) };
    };
    const main = await run({ workers: 0 });
    expect(main.pooled).toBe(false);
    for (const extra of [{ workers: 1 }, { workers: 2, cache: 'memory' }, { workers: 3, early: true }]) {
      const pooled = await run(extra);
      expect(pooled.pooled).toBe(true);
      expect(pooled.batches).toEqual(main.batches);
    }
  });

  it('rebuilds the package transforms from their fields; anything else stays on the main thread', () => {
    for (const t of [
      new HFlip({ p: 0.3 }),
      new Rotate({ degrees: 10 }),
      new RandomResizedCrop({ scale: [0.5, 1] }),
      new RandAugment({ n: 2, m: 9 }),
      new Compose({ transforms: [new HFlip(), new Compose({ transforms: [new Translate()] })] }),
    ]) {
      expect(toTransformSpec(t), (t.constructor as { type: string }).type).toBeDefined();
    }
    expect(toTransformSpec({ apply: (x: unknown) => x })).toBeUndefined();
    expect(toTransformSpec(new Compose({ transforms: [new HFlip(), { apply: (x: never) => x } as never] }))).toBeUndefined();
    // whatever the verdict for ColorJitter (its fields are derived ranges), it is never a wrong rebuild
    const cj = new ColorJitter({ brightness: 0.2 });
    const spec = toTransformSpec(cj);
    if (spec) expect(JSON.stringify(spec.options)).toContain('brightness');
  });
});
