import { describe, expect, it } from 'vitest';
import { bucketElementsOf, planBuckets } from './buckets';

describe('planBuckets', () => {
  it('packs small arrays in order until the next would overflow the bucket', () => {
    expect(planBuckets([3, 3, 3, 1, 5], 7)).toEqual([[0, 1], [2, 3], [4]]);
  });
  it('gives an array as large as a bucket its own (reduced in place, no copy)', () => {
    expect(planBuckets([2, 10, 2, 7, 1], 7)).toEqual([[1], [3], [0, 2, 4]]);
  });
  it('leaves empty arrays out and returns no bucket for nothing', () => {
    expect(planBuckets([0, 4, 0], 8)).toEqual([[1]]);
    expect(planBuckets([], 8)).toEqual([]);
    expect(planBuckets([0, 0], 8)).toEqual([]);
  });
  it('covers every non-empty index exactly once, each bucket within the limit', () => {
    const lengths = Array.from({ length: 500 }, (_, i) => (i * 37) % 101);
    const buckets = planBuckets(lengths, 256);
    const seen = buckets.flat().sort((a, b) => a - b);
    expect(seen).toEqual(lengths.flatMap((n, i) => (n > 0 ? [i] : [])));
    for (const b of buckets) if (b.length > 1) expect(b.reduce((s, i) => s + lengths[i], 0)).toBeLessThanOrEqual(256);
  });
  it('rejects a bucket size that is not a positive whole number of floats', () => {
    expect(() => planBuckets([1], 0)).toThrow(RangeError);
    expect(() => bucketElementsOf(6)).toThrow(/multiple of 4/);
    expect(() => bucketElementsOf(-4)).toThrow(RangeError);
    expect(bucketElementsOf(64)).toBe(16);
  });
});
