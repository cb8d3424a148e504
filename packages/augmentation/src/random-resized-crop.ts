import { z, type Rng } from '@kiln/core';
import { cropResize, type Box } from './crop-resize';
import { assertImage, cloneImage, type Image, type Transform } from './image';
import { numberRange, probability } from './options';

const optionsSchema = z
  .object({
    scale: numberRange(0, 1).default([0.08, 1]).describe('crop area as a fraction of the image area, [min, max]'),
    ratio: numberRange(0)
      .default([3 / 4, 4 / 3])
      .refine(([lo]) => lo > 0, { message: 'ratio must be > 0' })
      .describe('crop aspect ratio width/height, [min, max] (sampled log-uniformly)'),
    p: probability(1),
  })
  .strict();
export type RandomResizedCropOptions = z.input<typeof optionsSchema>;

/**
 * Crops a random region (area fraction in `scale`, aspect in `ratio`) and resizes it
 * back to the input size with bilinear interpolation (torchvision's RandomResizedCrop).
 */
export class RandomResizedCrop implements Transform {
  static readonly type = 'random_resized_crop';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Random crop (area scale, aspect ratio) resized back to the input size';
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly p: number;

  constructor(options: RandomResizedCropOptions = {}) {
    const o = optionsSchema.parse(options);
    this.scale = o.scale;
    this.ratio = o.ratio;
    this.p = o.p;
  }

  apply(image: Image, rng: Rng): Image {
    assertImage(image, RandomResizedCrop.type);
    if (!rng.bernoulli(this.p)) return cloneImage(image);
    const box = sampleCropBox(image.height, image.width, this.scale, this.ratio, rng);
    return cropResize(image, box, image.height, image.width);
  }
}

/** torchvision's sampling: 10 tries at a random area and log-uniform aspect, else a centre crop at the clamped ratio. */
export function sampleCropBox(
  height: number,
  width: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  rng: Rng,
): Box {
  const area = height * width;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logLo, logHi));
    const w = Math.round(Math.sqrt(targetArea * aspect));
    const h = Math.round(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      return { top: rng.int(height - h + 1), left: rng.int(width - w + 1), height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  // At least one pixel: an extreme ratio on a tiny image would otherwise give an empty box.
  if (inRatio < ratio[0]) h = Math.max(1, Math.round(w / ratio[0]));
  else if (inRatio > ratio[1]) w = Math.max(1, Math.round(h * ratio[1]));
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}
