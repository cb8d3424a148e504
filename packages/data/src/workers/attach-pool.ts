import type { Logger } from '@kiln/core';
import type { Transform } from '@kiln/augmentation';
import { ImageProcessor } from '@kiln/processors';
import type { SampleSet } from '../sample-set';
import { builtPaths, sharedDecodePool, type DecodePool } from './decode-pool';
import { toTransformSpec } from './transform-spec';

/**
 * Puts a worker pool on `set` when its loader may hand the pool whole samples: only when the
 * pool rebuilt the augmentation exactly (or there is none), so batches equal the main thread's.
 * A transform it cannot rebuild (a user's own) runs on the main thread, decoding still async.
 * A pool that augments also serves val/test sets (their jobs carry no rng): pass it as `shared`.
 * Returns the pool to share next time.
 */
/** The pool a loader with `augment` may hand whole samples to, or undefined (then it works on the main thread). */
export function decodePoolFor(o: {
  workers: number;
  processor: ImageProcessor;
  augment?: Transform;
  shared?: DecodePool;
  logger: Logger;
}): DecodePool | undefined {
  if (o.workers === 0 || !(o.processor instanceof ImageProcessor) || !builtPaths()) return undefined;
  const spec = o.augment ? toTransformSpec(o.augment) : undefined;
  if (o.augment && !spec) {
    o.logger.debug('augmentation is not rebuildable in a worker thread: it runs on the main thread');
    return undefined;
  }
  return !o.augment && o.shared ? o.shared : sharedDecodePool(o.workers, o.processor, spec);
}

export function attachDecodePool(
  set: SampleSet,
  o: { workers: number; processor: ImageProcessor; augment?: Transform; shared?: DecodePool; logger: Logger },
): DecodePool | undefined {
  const pool = decodePoolFor(o);
  if (!pool) return o.shared;
  set.pool = pool;
  return o.augment || !o.shared ? pool : o.shared;
}
