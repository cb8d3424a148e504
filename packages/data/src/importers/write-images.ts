import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quoteCsv, writeFileAtomic } from '@kiln/core';
import { mapLimited } from '../loader/limiter';

/** A folder-safe version of a class name ("T-shirt/top" → "T-shirt_top"). */
export function classDirName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_') || '_';
}


export interface ImportedImage {
  /** Interleaved HWC 8-bit pixels. */
  pixels: Uint8Array;
  label: number;
}

/**
 * Writes images as PNGs in `outDir/<split>/<class>/<n>.png` and `outDir/<split>.csv`
 * (`path,label`, paths relative to outDir, labels as class names): Kiln's CSV layout.
 */
export async function writeImageSplit(
  outDir: string,
  split: string,
  images: ImportedImage[],
  shape: { height: number; width: number; channels: 1 | 3 },
  classes: string[],
): Promise<{ csvPath: string; count: number }> {
  const dirs = classes.map(classDirName);
  await Promise.all(dirs.map((d) => mkdir(join(outDir, split, d), { recursive: true })));
  const counters = new Array<number>(classes.length).fill(0);
  const rels = images.map(({ label }) => {
    if (!(label >= 0 && label < classes.length)) throw new RangeError(`label ${label} is outside the ${classes.length} classes`);
    return `${split}/${dirs[label]}/${String(counters[label]++).padStart(5, '0')}.png`;
  });
  const { default: sharp } = await import('sharp'); // lazily: importing a dataset is the only user here
  await mapLimited(images, 8, async ({ pixels }, i) => {
    const img = sharp(pixels, { raw: { width: shape.width, height: shape.height, channels: shape.channels } });
    // Without an explicit colourspace sharp would write 1-channel input as RGB.
    const png = await (shape.channels === 1 ? img.toColourspace('b-w') : img).png().toBuffer();
    await writeFile(join(outDir, rels[i]), png);
  });
  const csvPath = join(outDir, `${split}.csv`);
  const lines = images.map(({ label }, i) => `${quoteCsv(rels[i])},${quoteCsv(classes[label])}`);
  await writeFileAtomic(csvPath, `path,label\n${lines.join('\n')}\n`);
  return { csvPath, count: images.length };
}
