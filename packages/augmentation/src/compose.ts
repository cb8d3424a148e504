import { ConfigError, componentRef, z, type Rng } from '@kiln/core';
import { assertImage, cloneImage, isBatchTransform, isTransform, type BatchTransform, type Image, type Transform, type TransformBatch } from './image';
import { probability } from './options';

const optionsSchema = z
  .object({
    transforms: z.array(componentRef<Transform | BatchTransform>('transforms')).default([]).describe('transforms in order'),
    p: probability(1),
  })
  .strict();
export type ComposeOptions = z.input<typeof optionsSchema>;

/**
 * Runs its per-image transforms in order (the whole chain with probability `p`).
 * Batch-level members (MixUp, CutMix) are set aside in `batchTransforms` — also those of
 * nested composes — for the data loader to run on whole batches.
 */
export class Compose implements Transform {
  static readonly type = 'compose';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Apply transforms in order; batch-level ones (mixup, cutmix) run per batch';
  readonly transforms: Transform[] = [];
  readonly batchTransforms: BatchTransform[] = [];
  readonly p: number;

  constructor(options: ComposeOptions = {}) {
    const o = optionsSchema.parse(options);
    this.p = o.p;
    o.transforms.forEach((t, i) => {
      if (isBatchTransform(t)) this.batchTransforms.push(t);
      else if (isTransform(t)) {
        this.transforms.push(t);
        if (t instanceof Compose) this.batchTransforms.push(...t.batchTransforms);
      } else {
        throw new ConfigError(`compose: transforms.${i} is not a transform (it has neither apply() nor applyBatch())`, {
          path: `transforms.${i}`,
          component: Compose.type,
        });
      }
    });
  }

  apply(image: Image, rng: Rng): Image {
    assertImage(image, Compose.type);
    if (!rng.bernoulli(this.p)) return cloneImage(image);
    let out = image;
    for (const t of this.transforms) out = t.apply(out, rng);
    return out === image ? cloneImage(image) : out;
  }

  /** Runs the batch-level members in order on a batch; with none, returns copies. */
  applyBatchTransforms(batch: TransformBatch, rng: Rng): { images: Float32Array; targets: Float32Array } {
    return applyBatchTransforms(this.batchTransforms, batch, rng);
  }
}

/** Runs `batchTransforms` in order, each on the previous one's images and targets. */
export function applyBatchTransforms(
  batchTransforms: readonly BatchTransform[],
  batch: TransformBatch,
  rng: Rng,
): { images: Float32Array; targets: Float32Array } {
  let images: Float32Array = batch.images.slice();
  let targets: Float32Array = batch.targets.slice();
  for (const t of batchTransforms) {
    ({ images, targets } = t.applyBatch({ images, shape: batch.shape, targets, numClasses: batch.numClasses }, rng));
  }
  return { images, targets };
}

/**
 * Splits an `augment` component into what runs per image and what runs per batch:
 * a compose gives both, a lone MixUp/CutMix only the batch part, any other transform only the per-image part.
 */
export function splitAugmentation(augment: Transform | BatchTransform | undefined | null): {
  transform?: Transform;
  batchTransforms: BatchTransform[];
} {
  if (!augment) return { batchTransforms: [] };
  if (augment instanceof Compose) return { transform: augment, batchTransforms: [...augment.batchTransforms] };
  if (isBatchTransform(augment)) return { batchTransforms: [augment] };
  if (isTransform(augment)) return { transform: augment, batchTransforms: [] };
  throw new ConfigError('augment: expected a transform (apply) or batch transform (applyBatch)', { key: 'augment' });
}
