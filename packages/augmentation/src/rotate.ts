import { z, type Rng } from '@kiln/core';
import { rotationInverse, warpAffine } from './affine';
import { assertImage, cloneImage, type Image, type Transform } from './image';
import { fillForChannels, fillSchema, numberRange, probability } from './options';

const optionsSchema = z
  .object({
    degrees: z
      .union([z.number().min(0), numberRange()])
      .default(15)
      .describe('angle range in degrees: d means [-d, d]; or [min, max]. Positive = counter-clockwise'),
    fill: fillSchema,
    p: probability(1),
  })
  .strict();
export type RotateOptions = z.input<typeof optionsSchema>;

/** Rotates about the centre by an angle drawn uniformly from `degrees` (bilinear; corners get `fill`). */
export class Rotate implements Transform {
  static readonly type = 'rotate';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Random rotation about the centre (bilinear, constant fill)';
  readonly degrees: [number, number];
  readonly fill: number | number[];
  readonly p: number;

  constructor(options: RotateOptions = {}) {
    const o = optionsSchema.parse(options);
    this.degrees = typeof o.degrees === 'number' ? [-o.degrees, o.degrees] : o.degrees;
    this.fill = o.fill;
    this.p = o.p;
  }

  apply(image: Image, rng: Rng): Image {
    assertImage(image, Rotate.type);
    if (!rng.bernoulli(this.p)) return cloneImage(image);
    const angle = rng.uniform(this.degrees[0], this.degrees[1]);
    const fill = fillForChannels(this.fill, image.channels, Rotate.type);
    return warpAffine(image, rotationInverse(image.height, image.width, angle), fill);
  }
}
