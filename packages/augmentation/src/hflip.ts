import { z, type Rng } from '@kiln/core';
import { assertImage, cloneImage, createImage, type Image, type Transform } from './image';
import { probability } from './options';

const optionsSchema = z.object({ p: probability(0.5) }).strict();
export type HFlipOptions = z.input<typeof optionsSchema>;

/** Mirrors the image left ↔ right with probability `p`. */
export class HFlip implements Transform {
  static readonly type = 'hflip';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Horizontal flip (mirror left-right) with probability p';
  readonly p: number;

  constructor(options: HFlipOptions = {}) {
    this.p = optionsSchema.parse(options).p;
  }

  apply(image: Image, rng: Rng): Image {
    assertImage(image, HFlip.type);
    if (!rng.bernoulli(this.p)) return cloneImage(image);
    const { height, width, channels, data } = image;
    const out = createImage(height, width, channels);
    const od = out.data;
    // Row by row from both ends, a pixel of `channels` values at a time.
    const rowLen = width * channels;
    for (let row = 0; row < od.length; row += rowLen) {
      for (let dst = row, src = row + rowLen - channels; dst < row + rowLen; dst += channels, src -= channels) {
        for (let c = 0; c < channels; c++) od[dst + c] = data[src + c];
      }
    }
    return out;
  }
}
