import { z, type Rng } from '@kiln/core';
import { assertImage, cloneImage, createImage, type Image, type Transform } from './image';
import { probability } from './options';

const optionsSchema = z.object({ p: probability(0.5) }).strict();
export type VFlipOptions = z.input<typeof optionsSchema>;

/** Mirrors the image top ↔ bottom with probability `p`. */
export class VFlip implements Transform {
  static readonly type = 'vflip';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Vertical flip (mirror top-bottom) with probability p';
  readonly p: number;

  constructor(options: VFlipOptions = {}) {
    this.p = optionsSchema.parse(options).p;
  }

  apply(image: Image, rng: Rng): Image {
    assertImage(image, VFlip.type);
    if (!rng.bernoulli(this.p)) return cloneImage(image);
    const { height, width, channels, data } = image;
    const out = createImage(height, width, channels);
    const rowLength = width * channels;
    for (let y = 0; y < height; y++) {
      const src = (height - 1 - y) * rowLength;
      out.data.set(data.subarray(src, src + rowLength), y * rowLength);
    }
    return out;
  }
}
