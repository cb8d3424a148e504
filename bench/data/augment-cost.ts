/**
 * CPU cost per batch of the per-image work between two training steps, as the shapes recipe does
 * it (configs/data/shapes.yaml: hflip p=0.5 + translate ±2 px at 32×32×3): rawToImage → augment →
 * normalizeInto the batch array, for 64 cached 8-bit images. On 2 cores this runs beside the step
 * (a decode worker, or the main thread with data.workers=0), so every ms here is taken from the
 * step (issue 21: CLI epoch vs raw step). Medians of --repeats rounds of --batches batches.
 *
 *   npx tsx bench/data/augment-cost.ts [--batches=200] [--repeats=7]
 */
import { Rng } from '@kiln/core';
import { Compose, HFlip, Translate } from '@kiln/augmentation';
import { ImageProcessor, rawToImage, type RawImage } from '@kiln/processors';
import { flag, median } from '../zoo/measure';

const args = process.argv.slice(2);
const batches = Number(flag(args, 'batches', '200'));
const repeats = Number(flag(args, 'repeats', '7'));
const BATCH = 64;
const processor = new ImageProcessor({ size: [32, 32], channels: 3 });
const augment = new Compose({ transforms: [new HFlip({ p: 0.5 }), new Translate({ translate: [0.0625, 0.0625] })] });
const rng = new Rng(1, 'pixels');
const raws: RawImage[] = Array.from({ length: BATCH * 4 }, () => ({
  data: Uint8Array.from({ length: 32 * 32 * 3 }, () => rng.int(256)),
  height: 32,
  width: 32,
  channels: 3,
}));
const out = new Float32Array(BATCH * processor.outputSize);

function round(seed: number): number {
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    for (let j = 0; j < BATCH; j++) {
      const i = (b * BATCH + j) % raws.length;
      const image = augment.apply(rawToImage(raws[i]), new Rng(seed, 'augment', b, i));
      processor.normalizeInto(image, out, j * processor.outputSize);
    }
  }
  return (performance.now() - t0) / batches;
}

round(0); // warm-up: V8 optimises the loops
const ms = Array.from({ length: repeats }, (_, r) => round(r + 1));
let check = 0;
for (let i = 0; i < out.length; i += 97) check += out[i];
console.log(
  `augment + normalise, batch ${BATCH} of 32×32×3: ${median(ms).toFixed(3)} ms/batch (median of ${repeats}; ` +
    `rounds ${ms.map((m) => m.toFixed(3)).join(' ')}), checksum ${check.toFixed(4)}`,
);
