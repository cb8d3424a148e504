/** Default fusion bucket (Horovod's HOROVOD_FUSION_THRESHOLD is 64 MiB too). */
export const DEFAULT_BUCKET_BYTES = 64 * 1024 * 1024;

/**
 * Groups arrays (by length, in order) into fusion buckets of at most `bucketElements` elements:
 * small arrays share a bucket (one collective over a packed buffer), an array as large as a
 * bucket gets one of its own and is reduced in place with no copy. Empty arrays are left out.
 * Returns the indices of each bucket.
 */
export function planBuckets(lengths: readonly number[], bucketElements: number): number[][] {
  if (!Number.isInteger(bucketElements) || bucketElements < 1) {
    throw new RangeError(`planBuckets: bucketElements must be a positive integer, got ${bucketElements}`);
  }
  const buckets: number[][] = [];
  let current: number[] = [];
  let filled = 0;
  lengths.forEach((n, i) => {
    if (n === 0) return;
    if (n >= bucketElements) {
      buckets.push([i]);
      return;
    }
    if (filled + n > bucketElements) {
      buckets.push(current);
      current = [];
      filled = 0;
    }
    current.push(i);
    filled += n;
  });
  if (current.length) buckets.push(current);
  return buckets;
}

/** Checks a `bucketBytes` option: a positive multiple of 4 (whole float32 values). */
export function bucketElementsOf(bucketBytes: number): number {
  if (!Number.isInteger(bucketBytes) || bucketBytes < 4 || bucketBytes % 4 !== 0) {
    throw new RangeError(`bucketBytes must be a positive multiple of 4, got ${bucketBytes}`);
  }
  return bucketBytes / 4;
}
