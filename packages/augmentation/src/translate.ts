import { z, type Rng } from '@kiln/core';
import { translationInverse, warpAffine } from './affine';
import { assertImage, cloneImage, type Image, type Transform } from './image';
import { fillForChannels, fillSchema, probability } from './options';

const fraction = z.number().min(0).max(1);

const optionsSchema = z
  .object({
    translate: z
      .union([fraction, z.tuple([fraction, fraction])])
      .default([0.1, 0.1])
      .describe('largest shift as a fraction of [width, height] (a number applies to both)'),
    fill: fillSchema,
    p: probability(1),
  })
  .strict();
export type TranslateOptions = z.input<typeof optionsSchema>;

/**
 * Shifts the image by a whole number of pixels drawn uniformly from ±translate·size
 * (rounded like torchvision's RandomAffine, so pixels move without blurring).
 */
export class Translate implements Transform {
  static readonly type = 'translate';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Random shift by up to a fraction of the width/height (constant fill)';
  readonly translate: [number, number];
  readonly fill: number | number[];
  readonly p: number;

  constructor(options: TranslateOptions = {}) {
    const o = optionsSchema.parse(options);
    this.translate = typeof o.translate === 'number' ? [o.translate, o.translate] : o.translate;
    this.fill = o.fill;
    this.p = o.p;
  }

  apply(image: Image, rng: Rng): Image {
    assertImage(image, Translate.type);
    if (!rng.bernoulli(this.p)) return cloneImage(image);
    const maxX = this.translate[0] * image.width;
    const maxY = this.translate[1] * image.height;
    const dx = Math.round(rng.uniform(-maxX, maxX));
    const dy = Math.round(rng.uniform(-maxY, maxY));
    const fill = fillForChannels(this.fill, image.channels, Translate.type);
    return warpAffine(image, translationInverse(dx, dy), fill);
  }
}
