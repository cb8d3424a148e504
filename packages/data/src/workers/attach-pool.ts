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
export function attachDecodePool(
  set: SampleSet,
  o: { workers: number; processor: ImageProcessor; augment?: Transform; shared?: DecodePool; logger: Logger },
): DecodePool | undefined {
  if (o.workers === 0 || !(o.processor instanceof ImageProcessor) || !builtPaths()) return o.shared;
  const spec = o.augment ? toTransformSpec(o.augment) : undefined;
  if (o.augment && !spec) {
    o.logger.debug('augmentation is not rebuildable in a worker thread: it runs on the main thread');
    return o.shared;
  }
  set.pool = !o.augment && o.shared ? o.shared : sharedDecodePool(o.workers, o.processor, spec);
  return o.augment || !o.shared ? set.pool : o.shared;
}
