/**
 * Datasets of millions of rows (issue 15). Part 1: generated CSVs of 10k / 100k / 1M rows
 * whose paths point into a pool of 1 000 generated 32×32 PNGs; for each size and each cache
 * (none, memory with a 64 MiB budget, disk cold, disk warm) a child process (so peak RSS is
 * its own) builds a CsvDataModule with verify: stat and reports the time to the first batch
 * and its peak RSS. Part 2: a folder of 224×224 JPEGs through a 224×224 processor with
 * augmentation: loader images/s with decoding on the main thread (workers 0) vs the worker
 * pool, and the wait for data per step of a consumer that holds the main thread for
 * --step-ms per batch (as a synchronous tfjs step does).
 *
 *   npx tsc -b packages/data/tsconfig.lib.json
 *   flock /tmp/kiln-bench.lock npx tsx bench/data/scale.ts [--rows=10000,100000,1000000] [--jpegs=384] [--step-ms=150]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import sharp from 'sharp';
import { Rng } from '@kiln/core';
import { Compose, HFlip, RandomResizedCrop } from '@kiln/augmentation';
import { ImageProcessor } from '@kiln/processors';
import { CsvDataModule, type DataLoader, type LoaderStats } from '@kiln/data';

const argv = process.argv.slice(2);
const arg = (name: string, dflt: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt;

/** One case, in its own process: setup + first batch, then peak RSS. */
async function child(): Promise<void> {
  const cache = arg('cache', 'none') as 'none' | 'memory' | 'disk';
  const t0 = performance.now();
  const dm = new CsvDataModule({
    trainCsv: arg('csv', ''),
    processor: new ImageProcessor({ size: [32, 32] }),
    batchSize: 64,
    cache,
    cacheBytes: 64 * 1024 * 1024,
    cacheDir: arg('cacheDir', ''),
    verify: 'stat',
    seed: 1,
  });
  await dm.setup('fit');
  const setupMs = performance.now() - t0;
  const it = dm.trainLoader()[Symbol.asyncIterator]();
  await it.next();
  const firstMs = performance.now() - t0;
  await it.return?.();
  const rssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ setupMs, firstMs, rssMB, sinceStartMs: performance.now() }) + '\n');
  process.exit(0);
}

async function writeCsv(path: string, rows: number, pool: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('path,label\n');
  const chunk: string[] = [];
  for (let i = 0; i < rows; i++) {
    chunk.push(`img/${i % pool}.png,c${i % 10}`);
    if (chunk.length === 10000 || i === rows - 1) {
      if (!out.write(chunk.join('\n') + '\n')) await once(out, 'drain');
      chunk.length = 0;
    }
  }
  out.end();
  await once(out, 'finish');
}

async function imagePool(dir: string, count: number): Promise<void> {
  mkdirSync(join(dir, 'img'), { recursive: true });
  const rng = new Rng(0, 'scale-pool');
  for (let i = 0; i < count; i++) {
    const px = Buffer.from(Array.from({ length: 32 * 32 * 3 }, () => rng.int(256)));
    writeFileSync(join(dir, 'img', `${i}.png`), await sharp(px, { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer());
  }
}

async function jpegFolder(dir: string, count: number): Promise<string> {
  mkdirSync(join(dir, 'jpg'), { recursive: true });
  const rng = new Rng(0, 'scale-jpeg');
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const px = Buffer.alloc(224 * 224 * 3);
    const [a, b] = [rng.int(255), rng.int(255)];
    for (let p = 0, o = 0; p < 224 * 224; p++, o += 3) {
      const x = p % 224;
      const y = (p / 224) | 0;
      px[o] = (a + x + rng.int(40)) & 255;
      px[o + 1] = (b + y + rng.int(40)) & 255;
      px[o + 2] = (x + y) & 255;
    }
    writeFileSync(join(dir, 'jpg', `${i}.jpg`), await sharp(px, { raw: { width: 224, height: 224, channels: 3 } }).jpeg({ quality: 90 }).toBuffer());
    rows.push(`jpg/${i}.jpg,${i % 10}`);
  }
  const csv = join(dir, 'jpeg.csv');
  writeFileSync(csv, `path,label\n${rows.join('\n')}\n`);
  return csv;
}

function runCase(csv: string, cache: string, cacheDir: string): { setupMs: number; firstMs: number; rssMB: number; wallMs: number } {
  const t = performance.now();
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', `--csv=${csv}`, `--cache=${cache}`, `--cacheDir=${cacheDir}`], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`case ${cache} ${csv} failed: ${r.stderr}`);
  return { ...JSON.parse(r.stdout.trim().split('\n').pop()!), wallMs: performance.now() - t };
}

/** Holds the main thread like a synchronous model step. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

async function pipeline(csv: string, workers: number, stepMs: number): Promise<{ imgPerS: number; mainBusy: number; waitPerStep: number; stepWaitShare: number }> {
  const dm = new CsvDataModule({
    trainCsv: csv,
    processor: new ImageProcessor({ size: [224, 224] }),
    batchSize: 32,
    workers,
    prefetch: 2,
    augmentation: new Compose({ transforms: [new RandomResizedCrop({ scale: [0.5, 1] }), new HFlip({ p: 0.5 })] }),
    seed: 1,
  });
  await dm.setup('fit');
  const loader = dm.trainLoader() as DataLoader & { stats(): LoaderStats };
  // Throughput: a consumer that does nothing.
  let n = 0;
  const t = performance.now();
  const elu0 = performance.eventLoopUtilization();
  for await (const b of loader) n += b.shape[0];
  const imgPerS = n / ((performance.now() - t) / 1000);
  // Share of the time the main thread itself was busy loading (what a model step would compete with).
  const mainBusy = performance.eventLoopUtilization(elu0).utilization;
  // Overlap: a consumer that holds the main thread for stepMs per batch.
  loader.setEpoch(1);
  for await (const _ of loader) busy(stepMs);
  const s = loader.stats();
  return { imgPerS, mainBusy, waitPerStep: s.waitMs / s.steps, stepWaitShare: s.waitMs / (s.waitMs + s.busyMs) };
}

async function main(): Promise<void> {
  const sizes = arg('rows', '10000,100000,1000000').split(',').map(Number);
  const jpegs = Number(arg('jpegs', '384'));
  const stepMs = Number(arg('step-ms', '150'));
  const dir = mkdtempSync(join(tmpdir(), 'kiln-scale-'));
  try {
    console.log(`cores ${availableParallelism()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    await imagePool(dir, 1000);
    console.log('\nrows      cache          setup s  first batch s  child wall s  peak RSS MB');
    const rssAt: Record<number, number> = {};
    for (const rows of sizes) {
      const csv = join(dir, `rows-${rows}.csv`);
      await writeCsv(csv, rows, 1000);
      const cacheDir = join(dir, `cache-${rows}`);
      for (const [label, cache] of [
        ['none', 'none'],
        ['memory 64MiB', 'memory'],
        ['disk cold', 'disk'],
        ['disk warm', 'disk'],
      ]) {
        const r = runCase(csv, cache, cacheDir);
        if (cache === 'none') rssAt[rows] = r.rssMB;
        console.log(
          `${String(rows).padEnd(9)} ${label.padEnd(14)} ${(r.setupMs / 1000).toFixed(2).padStart(7)}  ${(r.firstMs / 1000).toFixed(2).padStart(13)}  ${(r.wallMs / 1000).toFixed(2).padStart(12)}  ${r.rssMB.toFixed(0).padStart(11)}`,
        );
      }
      rmSync(cacheDir, { recursive: true, force: true });
    }
    if (rssAt[10000] && rssAt[1000000]) console.log(`peak RSS 1M / 10k rows (cache none): ${(rssAt[1000000] / rssAt[10000]).toFixed(2)}×`);

    if (jpegs === 0) return;
    const csv = await jpegFolder(dir, jpegs);
    console.log(`\n224×224 JPEG → 224×224, RandomResizedCrop + HFlip, batch 32, ${jpegs} images; consumer step ${stepMs} ms`);
    console.log('workers  loader img/s  main thread busy  wait per step ms  wait share of step');
    for (const workers of [0, 1, 2]) {
      const r = await pipeline(csv, workers, stepMs);
      console.log(`${String(workers).padEnd(8)} ${r.imgPerS.toFixed(0).padStart(12)}  ${(r.mainBusy * 100).toFixed(0).padStart(15)}%  ${r.waitPerStep.toFixed(1).padStart(16)}  ${(r.stepWaitShare * 100).toFixed(1).padStart(17)}%`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

if (argv.includes('--child')) void child();
else void main();
