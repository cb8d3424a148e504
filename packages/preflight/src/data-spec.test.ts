import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@kiln/core';
import { CsvDataModule, ShapesDataModule } from '@kiln/data';
import { describe, expect, it } from 'vitest';
import { csvSpecOf } from './data-spec';

describe('csvSpecOf', () => {
  it('a csv module: its own options, paths resolved, its processor', async () => {
    const data = new CsvDataModule({ trainCsv: '/d/train.csv', valSplit: 0.2, batchSize: 8, processor: { size: [16, 16] } });
    const spec = await csvSpecOf(data, {}, silentLogger);
    expect(spec).toMatchObject({ trainCsv: '/d/train.csv', valCsv: null, valSplit: 0.2, batchSize: 8, maxBadFraction: 0.05, pathColumn: 'path' });
    expect(spec!.processor.outputShape).toEqual([16, 16, 3]);
  });

  it('the built-in shapes dataset: generated in its cache folder, then its CSVs and fixed classes', async () => {
    const root = join(mkdtempSync(join(tmpdir(), 'kiln-spec-')), 'shapes');
    const data = new ShapesDataModule({ root, trainPerClass: 2, valPerClass: 1, testPerClass: 0 });
    const spec = await csvSpecOf(data, { batchSize: 4 }, silentLogger);
    expect(spec).toMatchObject({ trainCsv: join(root, 'train.csv'), valCsv: join(root, 'val.csv'), batchSize: 4, generated: root });
    expect(spec!.classes).toHaveLength(6);
    expect(existsSync(join(root, 'train.csv'))).toBe(true);
  });

  it('another data module: undefined (its own setup checks it)', async () => {
    expect(await csvSpecOf({} as never, {}, silentLogger)).toBeUndefined();
  });
});
