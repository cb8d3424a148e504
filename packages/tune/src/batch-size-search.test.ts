import { describe, expect, it } from 'vitest';
import { searchBatchSize, type BatchTrial } from './batch-size-search';

/** A device where batches up to `limit` fit. */
function device(limit: number) {
  const tried: number[] = [];
  const tryBatch = async (n: number): Promise<BatchTrial> => {
    tried.push(n);
    return n <= limit ? { batchSize: n, fits: true } : { batchSize: n, fits: false, error: `OOM at ${n}` };
  };
  return { tried, tryBatch };
}

describe('searchBatchSize', () => {
  it.each([1, 2, 3, 37, 64, 100, 1000, 4095])('finds limit %i exactly', async (limit) => {
    const d = device(limit);
    const r = await searchBatchSize({ init: 2, max: 4096, tryBatch: d.tryBatch });
    expect(r.batchSize).toBe(limit);
    expect(r.firstFailure).toBe(limit + 1);
    expect(r.reachedMax).toBe(false);
    // doubling + binary search: about 2·log2(limit) tries, never one size twice
    expect(new Set(d.tried).size).toBe(d.tried.length);
    expect(d.tried.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(limit + 2)) + 1);
  });

  it('doubles from init: 2, 4, 8, … then bisects between the last good and first bad', async () => {
    const d = device(100);
    await searchBatchSize({ init: 2, max: 4096, tryBatch: d.tryBatch });
    expect(d.tried).toEqual([2, 4, 8, 16, 32, 64, 128, 96, 112, 104, 100, 102, 101]);
  });

  it('halves when init does not fit', async () => {
    const d = device(20);
    const r = await searchBatchSize({ init: 256, max: 4096, tryBatch: d.tryBatch });
    expect(d.tried.slice(0, 5)).toEqual([256, 128, 64, 32, 16]);
    expect(r.batchSize).toBe(20);
  });

  it('stops at max when everything fits (max need not be a power of two)', async () => {
    const d = device(1e9);
    const r = await searchBatchSize({ init: 2, max: 300, tryBatch: d.tryBatch });
    expect(r).toMatchObject({ batchSize: 300, reachedMax: true, firstFailure: undefined });
    expect(d.tried).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 300]);
  });

  it('fails with the last error when even 1 does not fit', async () => {
    await expect(searchBatchSize({ init: 4, max: 64, tryBatch: device(0).tryBatch })).rejects.toThrow(/even batch size 1 does not fit: OOM at 1/);
  });
});
