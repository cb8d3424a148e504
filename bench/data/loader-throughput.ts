/**
 * Data loader throughput: decode + process + augment, on the built-in shapes set and on a
 * folder of 224×224 JPEGs (generated into a temp dir), with `cache: memory` and `none`,
 * with and without augmentation, decodeConcurrency 1 vs N. Then a consumer that simulates
 * a model step (busy CPU for --step-ms, like a synchronous tfjs step) measures how long each
 * step waits for data.
 *
 *   npx tsx bench/data/loader-throughput.ts [--jpegs=500] [--step-ms=25] [--size=32] [--batch=64]
 */
import { availableParallelism, tmpdir } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { Rng } from '@kiln/core';
import { Compose, HFlip, Translate } from '@kiln/augmentation';
import { ImageProcessor } from '@kiln/processors';
import { CsvDataModule, ShapesDataModule, type DataModule, type DataLoader } from '@kiln/data';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, Number(v)];
  }),
);
const JPEGS = args.jpegs ?? 500;
const STEP_MS = args['step-ms'] ?? 25;
const SIZE = args.size ?? 32;
const BATCH = args.batch ?? 64;
const N = availableParallelism() * 2;

function augmentation() {
  return new Compose({ transforms: [new HFlip({ p: 0.5 }), new Translate({ translate: [0.0625, 0.0625] })] });
}

async function makeJpegFolder(count: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-jpeg-'));
  mkdirSync(join(dir, 'img'));
  const rows: string[] = [];
  const rng = new Rng(0, 'bench');
  for (let i = 0; i < count; i++) {
    // Smooth gradients + noise: compresses like a photo rather than a flat colour.
    const px = Buffer.alloc(224 * 224 * 3);
    const [a, b, c] = [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
    for (let p = 0, o = 0; p < 224 * 224; p++, o += 3) {
      const x = p % 224;
      const y = (p / 224) | 0;
      px[o] = (a + x + rng.int(40)) & 255;
      px[o + 1] = (b + y + rng.int(40)) & 255;
      px[o + 2] = (c + x + y) & 255;
    }
    const jpg = await sharp(px, { raw: { width: 224, height: 224, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    writeFileSync(join(dir, 'img', `${i}.jpg`), jpg);
    rows.push(`img/${i}.jpg,${i % 10}`);
  }
  writeFileSync(join(dir, 'train.csv'), `path,label\n${rows.join('\n')}\n`);
  return dir;
}

interface Variant {
  cache: 'none' | 'memory';
  augment: boolean;
  decodeConcurrency: number;
}

async function epochThroughput(loader: DataLoader): Promise<{ images: number; ms: number }> {
  const t = performance.now();
  let images = 0;
  for await (const b of loader) images += b.shape[0];
  return { images, ms: performance.now() - t };
}

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* simulated synchronous model step */
  }
}

async function fed(loader: DataLoader): Promise<{ meanWait: number; waitShare: number; steps: number }> {
  let wait = 0;
  let steps = 0;
  const t0 = performance.now();
  const it = loader[Symbol.asyncIterator]();
  for (;;) {
    const t = performance.now();
    const r = await it.next();
    if (steps > 0) wait += performance.now() - t; // the first batch is start-up, not steady state
    if (r.done) break;
    busy(STEP_MS);
    steps++;
  }
  const total = performance.now() - t0;
  return { meanWait: wait / Math.max(1, steps - 1), waitShare: wait / total, steps };
}

async function run(name: string, make: (v: Variant) => DataModule): Promise<void> {
  console.log(`\n## ${name} (processor ${SIZE}×${SIZE}×3, batch ${BATCH}, ${availableParallelism()} cores)`);
  console.log('cache   augment  decodeConc  setup ms   images/s');
  for (const cache of ['none', 'memory'] as const) {
    for (const augment of [false, true]) {
      for (const decodeConcurrency of [1, N]) {
        const dm = make({ cache, augment, decodeConcurrency });
        const t = performance.now();
        await dm.setup('fit');
        const setup = performance.now() - t;
        const { images, ms } = await epochThroughput(dm.trainLoader());
        console.log(
          `${cache.padEnd(7)} ${String(augment).padEnd(8)} ${String(decodeConcurrency).padStart(10)} ${setup.toFixed(0).padStart(9)} ${((images / ms) * 1000).toFixed(0).padStart(10)}`,
        );
      }
    }
  }
  console.log(`\nfeeding a model whose step takes ${STEP_MS} ms (prefetch 2, augment on):`);
  const deep = BATCH * 3;
  for (const [cache, decodeConcurrency] of [['none', N], ['none', deep], ['memory', N]] as const) {
    const dm = make({ cache, augment: true, decodeConcurrency });
    await dm.setup('fit');
    const r = await fed(dm.trainLoader());
    console.log(
      `cache ${cache.padEnd(6)} decodeConcurrency ${String(decodeConcurrency).padStart(3)}: mean wait per step ` +
        `${r.meanWait.toFixed(2)} ms, ${(r.waitShare * 100).toFixed(1)}% of the epoch waiting for data (${r.steps} steps)`,
    );
  }
}

async function main(): Promise<void> {
  const processor = () => new ImageProcessor({ size: [SIZE, SIZE] });
  await run('shapes (32×32 PNG)', ({ augment, ...v }) =>
    new ShapesDataModule({ batchSize: BATCH, processor: processor(), ...v, augmentation: augment ? augmentation() : undefined }),
  );
  const t = performance.now();
  const dir = await makeJpegFolder(JPEGS);
  console.log(`\n(generated ${JPEGS} 224×224 JPEGs in ${(performance.now() - t).toFixed(0)} ms)`);
  try {
    await run(`${JPEGS} × 224×224 JPEG`, ({ augment, ...v }) =>
      new CsvDataModule({
        trainCsv: join(dir, 'train.csv'),
        batchSize: BATCH,
        processor: processor(),
        ...v,
        augmentation: augment ? augmentation() : undefined,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
