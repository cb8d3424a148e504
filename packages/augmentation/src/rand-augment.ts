import { z, type Rng } from '@kiln/core';
import { assertImage, cloneImage, type Image, type Transform } from './image';
import { fillForChannels, fillSchema, probability } from './options';
import { applyRandAugmentOp, MAX_MAGNITUDE, RAND_AUGMENT_OPS, SIGNED_OPS, type RandAugmentOp } from './rand-augment-ops';

const optionsSchema = z
  .object({
    n: z.number().int().min(0).default(2).describe('number of ops applied to each image'),
    m: z.number().min(0).max(MAX_MAGNITUDE).default(9).describe('magnitude, 0–30 (torchvision/timm scale)'),
    ops: z
      .array(z.enum(RAND_AUGMENT_OPS))
      .min(1)
      .default([...RAND_AUGMENT_OPS])
      .describe('ops to choose from (uniformly, with replacement)'),
    fill: fillSchema,
    p: probability(1),
  })
  .strict();
export type RandAugmentOptions = z.input<typeof optionsSchema>;

/** RandAugment: `n` ops drawn uniformly from `ops`, each at magnitude `m` (signed ops pick a random direction). */
export class RandAugment implements Transform {
  static readonly type = 'rand_augment';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'RandAugment: n random ops at magnitude m (0-30)';
  readonly n: number;
  readonly m: number;
  readonly ops: RandAugmentOp[];
  readonly fill: number | number[];
  readonly p: number;

  constructor(options: RandAugmentOptions = {}) {
    const o = optionsSchema.parse(options);
    this.n = o.n;
    this.m = o.m;
    this.ops = o.ops;
    this.fill = o.fill;
    this.p = o.p;
  }

  apply(image: Image, rng: Rng): Image {
    assertImage(image, RandAugment.type);
    if (!rng.bernoulli(this.p)) return cloneImage(image);
    const fill = fillForChannels(this.fill, image.channels, RandAugment.type);
    const strength = this.m / MAX_MAGNITUDE;
    let out = cloneImage(image);
    for (let i = 0; i < this.n; i++) {
      const op = this.ops[rng.int(this.ops.length)];
      const sign = SIGNED_OPS.has(op) && rng.bernoulli(0.5) ? -1 : 1;
      out = applyRandAugmentOp(op, out, strength, sign, fill);
    }
    return out;
  }
}
