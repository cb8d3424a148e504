import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageProcessor } from '@kiln/processors';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCsvData } from './check-data';
import type { CsvDataSpec } from './data-spec';

const dir = mkdtempSync(join(tmpdir(), 'kiln-check-data-'));
const CLASSES = ['a', 'b'];

function spec(over: Partial<CsvDataSpec>): CsvDataSpec {
  return {
    trainCsv: join(dir, 'train.csv'), valCsv: join(dir, 'val.csv'), valSplit: null, classes: null, pathColumn: 'path', labelColumn: 'label',
    allowOutsideRoot: false, maxBadFraction: 0.05, batchSize: 4, dropLast: false, processor: new ImageProcessor({ size: [8, 8] }), ...over,
  };
}
function csv(name: string, rows: string[]): string {
  writeFileSync(join(dir, name), ['path,label', ...rows].join('\n') + '\n');
  return join(dir, name);
}

beforeAll(async () => {
  mkdirSync(join(dir, 'img'));
  for (let i = 0; i < 10; i++) {
    await sharp({ create: { width: 12, height: 10, channels: 3, background: { r: i * 20, g: 0, b: 0 } } }).png().toFile(join(dir, 'img', `${i}.png`));
  }
  writeFileSync(join(dir, 'img', 'broken.png'), 'not a png');
  csv('train.csv', Array.from({ length: 10 }, (_, i) => `img/${i}.png,${CLASSES[i % 2]}`));
  csv('val.csv', ['img/0.png,a', 'img/1.png,b']);
});

describe('checkCsvData', () => {
  it('a good pair of CSVs: no problems, classes inferred, rows kept, a sample decoded to the processor shape', async () => {
    const r = await checkCsvData(spec({}));
    expect(r.problems).toEqual([]);
    expect(r.classes).toEqual(CLASSES);
    expect(r.csvs.map((c) => [c.role, c.totalRows, c.kept.length, c.dropped.length])).toEqual([['train', 10, 10, 0], ['val', 2, 2, 0]]);
    expect(r.decoded.count).toBe(r.decoded.of);
    expect(r.decoded.shape).toEqual([8, 8, 3]);
  });

  it('lists every problem: a missing train CSV and a val CSV without a label column', async () => {
    const noLabel = join(dir, 'nolabel.csv');
    writeFileSync(noLabel, 'path,y\nimg/0.png,a\n');
    const r = await checkCsvData(spec({ trainCsv: join(dir, 'nope.csv'), valCsv: noLabel }));
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toMatch(/nope\.csv: file not found/);
    expect(r.problems[1]).toMatch(/no label column 'label'/);
  });

  it('header-only CSV is named as having no data rows', async () => {
    const r = await checkCsvData(spec({ trainCsv: csv('empty.csv', []) }));
    expect(r.problems).toEqual([expect.stringMatching(/empty\.csv has no data rows/)]);
  });

  it('missing, escaping and undecodable images are dropped rows; above maxBadFraction a problem naming them', async () => {
    const train = csv('bad-images.csv', ['img/0.png,a', 'img/1.png,b', 'img/gone.png,a', '../outside.png,b', 'img/broken.png,a']);
    const r = await checkCsvData(spec({ trainCsv: train, valCsv: null, maxBadFraction: 0.6 }));
    expect(r.problems).toEqual([]);
    expect(r.csvs[0].dropped.map((d) => d.row)).toEqual([3, 4, 5]);
    const strict = await checkCsvData(spec({ trainCsv: train, valCsv: null }));
    expect(strict.problems).toHaveLength(1);
    expect(strict.problems[0]).toMatch(/3 of 5 rows unusable[\s\S]*gone\.png: image file not found[\s\S]*escapes the image root[\s\S]*row 5/);
  });

  it('unknown labels, out-of-range ids and a train/val class mismatch are each reported', async () => {
    const train = csv('labels.csv', ['img/0.png,a', 'img/1.png,c', 'img/2.png,7']);
    const r = await checkCsvData(spec({ trainCsv: train, valCsv: csv('val-b.csv', ['img/3.png,b']), classes: CLASSES, maxBadFraction: 1 }));
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toMatch(/unknown class 'c'.*label id 7 is out of range \[0, 2\)/);
    expect(r.problems[1]).toBe('train/val class mismatch: only in train: a; only in val: b');
    const val = csv('val-a.csv', ['img/3.png,a']);
    const mismatch = await checkCsvData(spec({ valCsv: val }));
    expect(mismatch.problems).toEqual(['train/val class mismatch: only in train: b']);
  });
});
