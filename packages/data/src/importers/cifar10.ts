import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '@kiln/core';
import { writeImageSplit, type ImportedImage } from './write-images';

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

const SIDE = 32;
const RECORD = 1 + 3 * SIDE * SIDE;

/** Decodes CIFAR-10 binary records (label byte + R, G, B planes) into HWC pixels. */
export function parseCifarBatch(bytes: Uint8Array, name = 'batch'): ImportedImage[] {
  if (bytes.length % RECORD !== 0) throw new DataError(`${name}: size ${bytes.length} is not a multiple of ${RECORD} bytes`);
  const plane = SIDE * SIDE;
  const out: ImportedImage[] = [];
  for (let off = 0; off < bytes.length; off += RECORD) {
    const pixels = new Uint8Array(plane * 3);
    for (let p = 0; p < plane; p++) {
      pixels[p * 3] = bytes[off + 1 + p];
      pixels[p * 3 + 1] = bytes[off + 1 + plane + p];
      pixels[p * 3 + 2] = bytes[off + 1 + 2 * plane + p];
    }
    out.push({ label: bytes[off], pixels });
  }
  return out;
}

export interface ImportCifar10Options {
  /** Folder with `data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin` (and `batches.meta.txt`). */
  batchesDir: string;
  outDir: string;
}

/** CIFAR-10 binary batches → RGB PNGs + `train.csv` / `test.csv` in Kiln's layout. */
export async function importCifar10(options: ImportCifar10Options): Promise<Record<string, { csvPath: string; count: number }>> {
  const { batchesDir, outDir } = options;
  const metaPath = join(batchesDir, 'batches.meta.txt');
  const classes = existsSync(metaPath)
    ? readFileSync(metaPath, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter(Boolean)
    : CIFAR10_CLASSES;
  const splits: Record<string, string[]> = {
    train: [1, 2, 3, 4, 5].map((i) => join(batchesDir, `data_batch_${i}.bin`)).filter(existsSync),
    test: [join(batchesDir, 'test_batch.bin')].filter(existsSync),
  };
  if (splits.train.length + splits.test.length === 0) {
    throw new DataError(`${batchesDir} holds no CIFAR-10 batches (data_batch_N.bin, test_batch.bin)`);
  }
  const result: Record<string, { csvPath: string; count: number }> = {};
  for (const [split, files] of Object.entries(splits)) {
    if (files.length === 0) continue;
    const images = files.flatMap((f) => parseCifarBatch(readFileSync(f), f));
    const bad = images.find((im) => im.label >= classes.length);
    if (bad) throw new DataError(`${split}: label ${bad.label} exceeds the ${classes.length} classes`);
    result[split] = await writeImageSplit(outDir, split, images, { height: SIDE, width: SIDE, channels: 3 }, classes);
  }
  return result;
}
