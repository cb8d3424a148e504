import { z, type Rng } from '@kiln/core';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation } from './color-adjust';
import { assertImage, cloneImage, type Image, type Transform } from './image';
import { numberRange, probability } from './options';

/** `b` means factors in [max(0, 1 − b), 1 + b]; `[lo, hi]` gives the factor range directly. */
const factorRange = (what: string, defaultValue: number) =>
  z
    .union([z.number().min(0), numberRange(0)])
    .default(defaultValue)
    .describe(`${what}: b → factor in [max(0, 1-b), 1+b], or [min, max] factor; 0 = off`);

const optionsSchema = z
  .object({
    brightness: factorRange('brightness', 0.4),
    contrast: factorRange('contrast', 0.4),
    saturation: factorRange('saturation', 0.4),
    hue: z
      .union([z.number().min(0).max(0.5), numberRange(-0.5, 0.5)])
      .default(0)
      .describe('hue shift in turns: h → [-h, h] (h ≤ 0.5), or [min, max]; 0 = off'),
    p: probability(1),
  })
  .strict();
export type ColorJitterOptions = z.input<typeof optionsSchema>;

type Range = [number, number];

function toFactorRange(v: number | Range): Range | undefined {
  const r: Range = typeof v === 'number' ? [Math.max(0, 1 - v), 1 + v] : v;
  return r[0] === 1 && r[1] === 1 ? undefined : r;
}

function toHueRange(v: number | Range): Range | undefined {
  const r: Range = typeof v === 'number' ? [-v, v] : v;
  return r[0] === 0 && r[1] === 0 ? undefined : r;
}

/**
 * Random brightness, contrast, saturation and hue changes, applied in a random order
 * per image (torchvision's ColorJitter). Saturation and hue leave 1-channel images unchanged.
 */
export class ColorJitter implements Transform {
  static readonly type = 'color_jitter';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Random brightness/contrast/saturation/hue in a random order';
  readonly brightness?: Range;
  readonly contrast?: Range;
  readonly saturation?: Range;
  readonly hue?: Range;
  readonly p: number;

  constructor(options: ColorJitterOptions = {}) {
    const o = optionsSchema.parse(options);
    this.brightness = toFactorRange(o.brightness);
    this.contrast = toFactorRange(o.contrast);
    this.saturation = toFactorRange(o.saturation);
    this.hue = toHueRange(o.hue);
    this.p = o.p;
  }

  apply(image: Image, rng: Rng): Image {
    assertImage(image, ColorJitter.type);
    if (!rng.bernoulli(this.p)) return cloneImage(image);
    let out = image;
    for (const op of rng.permutation(4)) {
      if (op === 0 && this.brightness) out = adjustBrightness(out, rng.uniform(...this.brightness));
      else if (op === 1 && this.contrast) out = adjustContrast(out, rng.uniform(...this.contrast));
      else if (op === 2 && this.saturation) out = adjustSaturation(out, rng.uniform(...this.saturation));
      else if (op === 3 && this.hue) out = adjustHue(out, rng.uniform(...this.hue));
    }
    return out === image ? cloneImage(image) : out;
  }
}
