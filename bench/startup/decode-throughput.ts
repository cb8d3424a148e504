/**
 * PNG decode throughput on the built-in shapes set (train.csv + val.csv, 3,600 32×32 PNGs):
 * ImageProcessor.decodeRaw (its node:zlib fast path), the sharp pipeline it used before for
 * every file, and PIL (`/usr/bin/python3`, when PIL + numpy are there) decoding the same files
 * to uint8 RGB. One thread each, files read inside the timed loop. Medians of --repeats, ratios.
 *
 *   npx tsx bench/startup/decode-throughput.ts [--repeats=5] [--root=<shapes folder>]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageProcessor } from '@kiln/processors';
import { ensureShapesRoot, median, option } from './shapes-root';

async function main(): Promise<void> {
  const repeats = Number(option('repeats', '5'));
  const root = await ensureShapesRoot(option('root'));
  const csvs = ['train.csv', 'val.csv'].map((f) => join(root, f));
  const paths = csvs.flatMap((csv) =>
    readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((line) => join(root, line.split(',')[0])),
  );
  const processor = new ImageProcessor({ size: [32, 32] });
  const time = async (fn: (p: string) => Promise<unknown>) => {
    const out: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      for (const p of paths) await fn(p);
      out.push((performance.now() - t0) / 1000);
    }
    return median(out);
  };
  const kiln = await time((p) => processor.decodeRaw(p));
  const viaSharp = await time(async (p) =>
    sharp(await readFile(p), { failOn: 'truncated', autoOrient: true })
      .resize(32, 32, { fit: 'fill' })
      .flatten({ background: '#000000' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer(),
  );
  const rate = (s: number) => `${(paths.length / s).toFixed(0).padStart(6)} img/s  (${(s * 1000).toFixed(0)} ms)`;
  console.log(`${paths.length} PNGs from ${root}, median of ${repeats}, one thread (machine may be shared: indicative)`);
  console.log(`kiln decodeRaw (fast PNG path)  ${rate(kiln)}`);
  console.log(`sharp pipeline (before)         ${rate(viaSharp)}   kiln/sharp speed-up ${(viaSharp / kiln).toFixed(2)}×`);
  let pil: number | undefined;
  try {
    const out = execFileSync('/usr/bin/python3', [join(__dirname, 'pil-decode.py'), String(repeats), ...csvs], { encoding: 'utf8' });
    pil = median((JSON.parse(out) as { seconds: number[] }).seconds);
  } catch (err) {
    console.log(`PIL: not run (${(err as Error).message.split('\n')[0]})`);
  }
  if (pil !== undefined) console.log(`PIL Image.open+convert('RGB')   ${rate(pil)}   kiln/PIL speed ratio ${(pil / kiln).toFixed(2)}× (≥ 1: kiln faster)`);
}

void main();
