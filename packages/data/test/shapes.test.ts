import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRegistries, ComponentBuilder, Rng } from '@kiln/core';
import { register as registerProcessors } from '@kiln/processors';
import {
  SHAPE_CLASSES,
  ShapesDataModule,
  ensureShapesDataset,
  generateShapes,
  insideShape,
  register,
  renderShape,
  type Batch,
  type DataModule,
} from '../src/index';
import { tempDir } from './fixtures';

const spec = { seed: 7, trainPerClass: 4, valPerClass: 2, testPerClass: 1 };

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length))
    .sort();
}

describe('shapes dataset', () => {
  it('generates identically twice from one seed, differently from another', async () => {
    const a = tempDir();
    const b = tempDir();
    const ma = await generateShapes(join(a, 'ds'), spec);
    const mb = await generateShapes(join(b, 'ds'), spec);
    expect(ma.contentHash).toBe(mb.contentHash);
    const files = listFiles(join(a, 'ds'));
    expect(files).toEqual(listFiles(join(b, 'ds')));
    expect(files).toHaveLength(6 * 7 + 4); // PNGs + 3 CSVs + manifest
    for (const f of files) expect(readFileSync(join(a, 'ds', f)).equals(readFileSync(join(b, 'ds', f)))).toBe(true);
    const other = await generateShapes(join(a, 'other'), { ...spec, seed: 8 });
    expect(other.contentHash).not.toBe(ma.contentHash);
    expect(ma.counts).toEqual({ train: 24, val: 12, test: 6 });
    // CSV rows are shuffled (seeded): the first 6 validation rows already span several classes
    const valRows = readFileSync(join(a, 'ds', 'val.csv'), 'utf8').trim().split('\n').slice(1);
    expect(valRows).toHaveLength(12);
    expect(new Set(valRows.slice(0, 6).map((r) => r.split(',')[1])).size).toBeGreaterThan(2);
    expect([...valRows].sort()[0]).toBe('val/circle/00000.png,circle');
    expect(ma.csvOrder).toBe('shuffled');
  });

  it('shuffles the CSVs of a dataset generated before they were shuffled, keeping its images', async () => {
    const root = join(tempDir(), 'ds');
    const fresh = await generateShapes(root, spec);
    const byClass = (split: string) => {
      const lines = readFileSync(join(root, `${split}.csv`), 'utf8').trim().split('\n');
      return `${lines[0]}\n${lines.slice(1).sort().join('\n')}\n`;
    };
    for (const split of ['train', 'val', 'test']) writeFileSync(join(root, `${split}.csv`), byClass(split));
    const { csvOrder: _dropped, ...old } = fresh;
    writeFileSync(join(root, 'manifest.json'), JSON.stringify({ ...old, contentHash: 'old' }));
    const upgraded = await ensureShapesDataset(root, spec);
    expect(upgraded.csvOrder).toBe('shuffled');
    expect(upgraded.contentHash).toBe(fresh.contentHash); // identical to a fresh generation
  });

  it('renders six distinct unit shapes', () => {
    expect(SHAPE_CLASSES).toHaveLength(6);
    expect(insideShape('circle', 0.9, 0)).toBe(true);
    expect(insideShape('ring', 0, 0)).toBe(false);
    expect(insideShape('ring', 0.8, 0)).toBe(true);
    expect(insideShape('square', 0.7, 0.7)).toBe(true);
    expect(insideShape('circle', 0.7, 0.7)).toBe(true);
    expect(insideShape('cross', 0.7, 0.7)).toBe(false);
    expect(insideShape('cross', 0.9, 0)).toBe(true);
    expect(insideShape('star', 0, -0.95)).toBe(true); // top tip (v grows downwards)
    expect(insideShape('star', 0.6, -0.5)).toBe(false); // between two tips
    expect(insideShape('triangle', 0, 0.95)).toBe(true); // apex
    expect(insideShape('triangle', 0, -0.6)).toBe(false); // beyond the flat side (inradius 0.5)
    const img = renderShape('circle', new Rng(1), 32);
    expect(img).toHaveLength(32 * 32 * 3);
    expect([...renderShape('circle', new Rng(1), 32)]).toEqual([...img]);
  });

  it('ensureShapesDataset generates once, atomically, even when two runs race', async () => {
    const cache = tempDir();
    const root = join(cache, 'shapes');
    const [m1, m2] = await Promise.all([ensureShapesDataset(root, spec), ensureShapesDataset(root, spec)]);
    expect(m1.contentHash).toBe(m2.contentHash);
    expect(readdirSync(cache)).toEqual(['shapes']); // no temp folders left behind
    expect(existsSync(join(root, 'manifest.json'))).toBe(true);
    const again = await ensureShapesDataset(root, spec);
    expect(again.contentHash).toBe(m1.contentHash);
    await expect(ensureShapesDataset(root, { ...spec, seed: 9 })).rejects.toThrow(/different shapes dataset.*seed 7/);
  });

  it('ShapesDataModule is buildable from config and yields batches of the processor shape', async () => {
    const root = join(tempDir(), 'shapes');
    const registries = createRegistries(registerProcessors, register);
    const dm = new ComponentBuilder(registries, { seed: 5 }).build<DataModule>(
      'datasets',
      {
        _target_: 'shapes',
        root,
        ...{ trainPerClass: spec.trainPerClass, valPerClass: spec.valPerClass, testPerClass: spec.testPerClass, seed: spec.seed },
        batchSize: 8,
        processor: { _target_: 'image', size: [28, 28], channels: 1 },
      },
      'data',
    );
    expect(dm).toBeInstanceOf(ShapesDataModule);
    await dm.setup('fit');
    expect(dm.classes).toEqual([...SHAPE_CLASSES]);
    expect(dm.inputShape).toEqual([28, 28, 1]);
    const batches: Batch[] = [];
    for await (const b of dm.trainLoader()) batches.push(b);
    expect(batches.map((b) => b.shape)).toEqual([
      [8, 28, 28, 1],
      [8, 28, 28, 1],
      [8, 28, 28, 1],
    ]);
    const labels = batches.flatMap((b) => [...b.labels!]).sort();
    expect(labels).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5]);
    expect(dm.valLoader()!.length).toBe(2);
    await dm.setup('test');
    expect(dm.testLoader()!.length).toBe(1);
  });
});
