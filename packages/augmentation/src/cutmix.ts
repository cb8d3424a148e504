import { z, type Rng } from '@kiln/core';
import { assertBatch, mixTargets, rolledPartner } from './batch';
import { sampleBeta } from './beta';
import type { Box } from './crop-resize';
import type { BatchTransform, TransformBatch } from './image';
import type { MixedBatch } from './mixup';
import { probability } from './options';

const optionsSchema = z
  .object({
    alpha: z.number().positive().default(1).describe('λ ~ Beta(alpha, alpha) sets the kept area 1 − box/area'),
    p: probability(1),
  })
  .strict();
export type CutMixOptions = z.input<typeof optionsSchema>;

/**
 * CutMix (Yun et al. 2019): a box of area ≈ (1 − λ)·H·W from image i − 1 is pasted into
 * image i (same box for the whole batch); targets mix with λ recomputed from the clipped box's area.
 */
export class CutMix implements BatchTransform {
  static readonly type = 'cutmix';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Batch-level CutMix: paste a box from another image, targets weighted by area';
  readonly batchLevel = true as const;
  readonly alpha: number;
  readonly p: number;

  constructor(options: CutMixOptions = {}) {
    const o = optionsSchema.parse(options);
    this.alpha = o.alpha;
    this.p = o.p;
  }

  applyBatch(batch: TransformBatch, rng: Rng): MixedBatch & { box?: Box } {
    assertBatch(batch, CutMix.type);
    const { images, targets, shape, numClasses } = batch;
    if (!rng.bernoulli(this.p)) return { images: images.slice(), targets: targets.slice(), lambda: 1 };
    const [n, height, width, channels] = shape;
    const box = sampleCutBox(height, width, sampleBeta(this.alpha, this.alpha, rng), rng);
    const lambda = 1 - (box.height * box.width) / (height * width);
    const out = images.slice();
    const size = height * width * channels;
    const rowLength = box.width * channels;
    for (let i = 0; i < n; i++) {
      const partner = rolledPartner(i, n);
      for (let y = box.top; y < box.top + box.height; y++) {
        const offset = (y * width + box.left) * channels;
        out.set(images.subarray(partner * size + offset, partner * size + offset + rowLength), i * size + offset);
      }
    }
    return { images: out, targets: mixTargets(targets, n, numClasses, new Float32Array(n).fill(lambda)), lambda, box };
  }
}

/** torchvision's box: centre uniform over the image, half-sides ⌊½·√(1 − λ)·size⌋, clipped to the image. */
export function sampleCutBox(height: number, width: number, lambda: number, rng: Rng): Box {
  const cx = rng.int(width);
  const cy = rng.int(height);
  const r = 0.5 * Math.sqrt(1 - lambda);
  const halfW = Math.floor(r * width);
  const halfH = Math.floor(r * height);
  const left = Math.max(cx - halfW, 0);
  const top = Math.max(cy - halfH, 0);
  const right = Math.min(cx + halfW, width);
  const bottom = Math.min(cy + halfH, height);
  return { top, left, height: bottom - top, width: right - left };
}
