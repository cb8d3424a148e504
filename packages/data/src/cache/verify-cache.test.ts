import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Logger, memorySink } from '@kiln/core';
import { ImageProcessor } from '@kiln/processors';
import { imageFolder, solidPng, tempDir, truncatedPng, write } from '../../test/fixtures';
import { CsvDataModule } from '../csv-data-module';
import { VerifyCache } from './verify-cache';

/** A processor that counts the files it decodes. */
function countingProcessor(): { processor: ImageProcessor; decoded: string[] } {
  const processor = new ImageProcessor({ size: [4, 4] });
  const decoded: string[] = [];
  const decodeRaw = processor.decodeRaw.bind(processor);
  processor.decodeRaw = (input) => {
    decoded.push(String(input));
    return decodeRaw(input);
  };
  return { processor, decoded };
}

async function setup(dir: string, cacheDir: string) {
  const { processor, decoded } = countingProcessor();
  const sink = memorySink();
  const logger = new Logger({ sinks: [sink] });
  const dm = new CsvDataModule({ trainCsv: join(dir, 'train.csv'), processor, verify: 'decode', workers: 0, cacheDir, maxBadFraction: 0.5 }, { logger });
  await dm.setup('fit');
  const dropped = dm.droppedRows[join(dir, 'train.csv')].map((r) => r.reason);
  return { decoded, dropped, lines: sink.records.map((r) => r.message) };
}

describe('verify: decode results cached across runs', () => {
  it('decodes each image once; a changed, new or corrupt file is decoded again, failures are kept', async () => {
    const { dir, rows } = await imageFolder(4); // 8 images
    const bad = join(dir, 'img', 'bad.png');
    write(bad, await truncatedPng());
    write(join(dir, 'train.csv'), `path,label\n${rows.join('\n')}\nimg/bad.png,a\n`);
    const cacheDir = tempDir('kiln-vcache-');

    const first = await setup(dir, cacheDir);
    expect(first.decoded).toHaveLength(9);
    expect(first.dropped).toEqual([expect.stringMatching(/row 9: truncated or corrupt image .*bad\.png/)]);
    expect(readdirSync(join(cacheDir, 'verify'))).toHaveLength(1);

    const second = await setup(dir, cacheDir);
    expect(second.decoded).toEqual([]); // nothing changed: nothing decoded…
    expect(second.dropped).toEqual(first.dropped); // …and the bad file is still dropped, same reason
    expect(second.lines.some((l) => /verify: decode reused for 9 unchanged images/.test(l))).toBe(true);

    // Rewrite one image (new bytes and mtime): only it is decoded again.
    const changed = join(dir, rows[3].split(',')[0]);
    writeFileSync(changed, await solidPng(200));
    utimesSync(changed, new Date(), new Date(Date.now() + 5000));
    // A corrupt file with another size is noticed too.
    const broken = join(dir, rows[5].split(',')[0]);
    writeFileSync(broken, (await truncatedPng()).subarray(0, 40));
    const third = await setup(dir, cacheDir);
    expect(third.decoded.sort()).toEqual([broken, changed].sort());
    expect(third.dropped).toHaveLength(2);
    expect(third.dropped[0]).toMatch(new RegExp(`row 6: .*${rows[5].split(',')[0]}`));
  });

  it('is keyed by CSV and processor config; an unreadable or foreign file means decode everything', async () => {
    const { dir } = await imageFolder(2);
    const file = (size: number) => VerifyCache.fileFor('/c', join(dir, 'train.csv'), new ImageProcessor({ size: [size, size] }).toConfig());
    expect(file(4)).not.toBe(file(8));
    const cacheDir = tempDir('kiln-vcache-');
    await setup(dir, cacheDir);
    const [name] = readdirSync(join(cacheDir, 'verify'));
    writeFileSync(join(cacheDir, 'verify', name), 'not a cache\n1\t2\t\t/x\n');
    expect((await setup(dir, cacheDir)).decoded).toHaveLength(4);
    expect((await setup(dir, cacheDir)).decoded).toHaveLength(0); // rewritten by the run before
  });

  it('a cache folder that cannot be written costs one WARN, not the run', async () => {
    const { dir } = await imageFolder(2);
    const cacheDir = join(tempDir('kiln-vcache-'), 'file');
    writeFileSync(cacheDir, 'a file where the folder should be');
    const run = await setup(dir, cacheDir);
    expect(run.decoded).toHaveLength(4);
    expect(run.lines.filter((l) => /verify cache .*cannot write/.test(l))).toHaveLength(1);
  });
});

describe('verify cache and the run seed', () => {
  it('writing the cache draws nothing from the seeded Math.random stream (a first run trains like a second one)', async () => {
    const { seedEverything, restoreMathRandom } = await import('@kiln/core');
    const { dir, rows } = await imageFolder(2);
    write(join(dir, 'train.csv'), `path,label\n${rows.join('\n')}\n`);
    const cacheDir = tempDir('kiln-vcache-');
    try {
      seedEverything(3);
      const expected = Math.random();
      seedEverything(3);
      await setup(dir, cacheDir); // cold: decodes and writes the cache file
      expect(readdirSync(join(cacheDir, 'verify'))).toHaveLength(1);
      expect(Math.random()).toBe(expected);
    } finally {
      restoreMathRandom();
    }
  });
});
