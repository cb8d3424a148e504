import { z, type Rng } from '@kiln/core';
import type { Box } from './crop-resize';
import { assertImage, cloneImage, type Image, type Transform } from './image';
import { numberRange, probability } from './options';

const optionsSchema = z
  .object({
    scale: numberRange(0, 1).default([0.02, 0.33]).describe('erased area as a fraction of the image, [min, max]'),
    ratio: numberRange(0)
      .default([0.3, 3.3])
      .refine(([lo]) => lo > 0, { message: 'ratio must be > 0' })
      .describe('erased box aspect (height/width), [min, max], sampled log-uniformly'),
    value: z
      .union([z.number().min(0).max(1), z.array(z.number().min(0).max(1)).min(1), z.literal('random')])
      .default(0)
      .describe("value written in the box: a number, one per channel, or 'random' (uniform noise per value)"),
    p: probability(0.5),
  })
  .strict();
export type RandomErasingOptions = z.input<typeof optionsSchema>;

/** Overwrites a random rectangle with `value` (Zhong et al.; torchvision's RandomErasing). */
export class RandomErasing implements Transform {
  static readonly type = 'random_erasing';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Erase a random rectangle (constant, per-channel or random values)';
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly value: number | number[] | 'random';
  readonly p: number;

  constructor(options: RandomErasingOptions = {}) {
    const o = optionsSchema.parse(options);
    this.scale = o.scale;
    this.ratio = o.ratio;
    this.value = o.value;
    this.p = o.p;
  }

  apply(image: Image, rng: Rng): Image {
    assertImage(image, RandomErasing.type);
    const out = cloneImage(image);
    if (!rng.bernoulli(this.p)) return out;
    const { channels, width } = image;
    const value = this.value;
    if (Array.isArray(value) && value.length !== 1 && value.length !== channels) {
      throw new RangeError(`${RandomErasing.type}: value has ${value.length} entries but the image has ${channels} channels`);
    }
    const box = this.sampleBox(image.height, image.width, rng);
    if (!box) return out;
    for (let y = box.top; y < box.top + box.height; y++) {
      for (let x = box.left; x < box.left + box.width; x++) {
        const o = (y * width + x) * channels;
        for (let c = 0; c < channels; c++) {
          out.data[o + c] =
            value === 'random' ? rng.next() : typeof value === 'number' ? value : value[value.length === 1 ? 0 : c];
        }
      }
    }
    return out;
  }

  /** Up to 10 tries for a box that fits strictly inside the image; none → the image is left as is. */
  sampleBox(height: number, width: number, rng: Rng): Box | undefined {
    const area = height * width;
    const logLo = Math.log(this.ratio[0]);
    const logHi = Math.log(this.ratio[1]);
    for (let attempt = 0; attempt < 10; attempt++) {
      const eraseArea = area * rng.uniform(this.scale[0], this.scale[1]);
      const aspect = Math.exp(rng.uniform(logLo, logHi));
      const h = Math.round(Math.sqrt(eraseArea * aspect));
      const w = Math.round(Math.sqrt(eraseArea / aspect));
      if (h > 0 && w > 0 && h < height && w < width) {
        return { top: rng.int(height - h + 1), left: rng.int(width - w + 1), height: h, width: w };
      }
    }
    return undefined;
  }
}
