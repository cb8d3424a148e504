import type { Rng } from '@kiln/core';
import type { Transform } from '@kiln/processors';

/** Same shape as `@kiln/augmentation`'s `BatchTransform` (MixUp / CutMix). */
export interface BatchTransform {
  readonly batchLevel: true;
  applyBatch(
    batch: { images: Float32Array; shape: [number, number, number, number]; targets: Float32Array; numClasses: number },
    rng: Rng,
  ): { images: Float32Array; targets: Float32Array };
}

function isBatchTransform(v: unknown): v is BatchTransform {
  return typeof v === 'object' && v !== null && (v as { batchLevel?: unknown }).batchLevel === true;
}

/**
 * Splits an augmentation into its per-image part and its batch-level members: a
 * `compose` exposes `batchTransforms`; a lone MixUp/CutMix is batch-level only.
 */
export function splitAugmentation(aug: unknown): { perImage?: Transform; batch: BatchTransform[] } {
  if (aug === undefined || aug === null) return { batch: [] };
  if (isBatchTransform(aug)) return { batch: [aug] };
  const perImage = typeof (aug as Transform).apply === 'function' ? (aug as Transform) : undefined;
  if (!perImage) throw new TypeError('augmentation must be a transform (with apply) or a batch transform');
  const members = (aug as { batchTransforms?: unknown }).batchTransforms;
  return { perImage, batch: Array.isArray(members) ? members.filter(isBatchTransform) : [] };
}
