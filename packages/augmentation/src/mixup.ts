import { z, type Rng } from '@kiln/core';
import { assertBatch, mixTargets, rolledPartner } from './batch';
import { sampleBeta } from './beta';
import type { BatchTransform, TransformBatch } from './image';
import { probability } from './options';

const optionsSchema = z
  .object({
    alpha: z.number().positive().default(0.8).describe('λ ~ Beta(alpha, alpha); small alpha keeps λ near 0 or 1'),
    p: probability(1),
  })
  .strict();
export type MixUpOptions = z.input<typeof optionsSchema>;

/** What a batch transform returns; `lambda` (the weight of each image's own content) is 1 when it did not run. */
export interface MixedBatch {
  images: Float32Array;
  targets: Float32Array;
  lambda: number;
}

/**
 * MixUp (Zhang et al. 2018): each image becomes λ·x[i] + (1 − λ)·x[i − 1] with one
 * λ ~ Beta(α, α) per batch, and its targets mix with the same λ (torchvision's pairing by roll).
 */
export class MixUp implements BatchTransform {
  static readonly type = 'mixup';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Batch-level MixUp with λ ~ Beta(alpha, alpha) and soft targets';
  readonly batchLevel = true as const;
  readonly alpha: number;
  readonly p: number;

  constructor(options: MixUpOptions = {}) {
    const o = optionsSchema.parse(options);
    this.alpha = o.alpha;
    this.p = o.p;
  }

  applyBatch(batch: TransformBatch, rng: Rng): MixedBatch {
    assertBatch(batch, MixUp.type);
    const { images, targets, shape, numClasses } = batch;
    if (!rng.bernoulli(this.p)) return { images: images.slice(), targets: targets.slice(), lambda: 1 };
    const lambda = sampleBeta(this.alpha, this.alpha, rng);
    const n = shape[0];
    const size = shape[1] * shape[2] * shape[3];
    const out = new Float32Array(images.length);
    for (let i = 0; i < n; i++) {
      const a = i * size;
      const b = rolledPartner(i, n) * size;
      for (let j = 0; j < size; j++) out[a + j] = lambda * images[a + j] + (1 - lambda) * images[b + j];
    }
    return { images: out, targets: mixTargets(targets, n, numClasses, new Float32Array(n).fill(lambda)), lambda };
  }
}
