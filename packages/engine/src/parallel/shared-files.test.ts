import { existsSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createSharedDir, reduceSharedFiles, removeSharedDir, sharedFile, sharedMinFloats, writeArrays } from './shared-files';

const dir = createSharedDir();
afterAll(() => removeSharedDir(dir));

describe('shared-file all-reduce', () => {
  it('sums and averages what each rank wrote, split back into the original arrays', () => {
    const big = (rank: number) => Float32Array.from({ length: 3_000_000 }, (_, i) => (i % 7) + rank);
    writeArrays(sharedFile(dir, 0, 4), [Float32Array.of(1, 2), big(0)]);
    writeArrays(sharedFile(dir, 1, 4), [Float32Array.of(3, 6), big(10)]);
    writeArrays(sharedFile(dir, 2, 4), [Float32Array.of(5, 1), big(20)]);
    const sum = reduceSharedFiles(dir, 4, 3, [2, 3_000_000], false);
    expect(sum[0]).toEqual(Float32Array.of(9, 9));
    expect(sum[1].length).toBe(3_000_000);
    expect([sum[1][0], sum[1][6], sum[1][2_999_999]]).toEqual([30, 48, 30 + 3 * (2_999_999 % 7)]);
    const mean = reduceSharedFiles(dir, 4, 3, [2, 3_000_000], true);
    expect(mean[0]).toEqual(Float32Array.of(3, 3));
    expect(mean[1][1]).toBeCloseTo((1 + 11 + 21) / 3, 5);
  });

  it('double-buffers by sequence parity and names a truncated file', () => {
    expect(sharedFile(dir, 1, 6)).toBe(sharedFile(dir, 1, 8));
    expect(sharedFile(dir, 1, 6)).not.toBe(sharedFile(dir, 1, 7));
    writeArrays(sharedFile(dir, 0, 1), [new Float32Array(4)]);
    writeFileSync(sharedFile(dir, 1, 1), Buffer.alloc(8));
    expect(() => reduceSharedFiles(dir, 1, 2, [4], true)).toThrow(/grad-1-1\.f32 is shorter than expected/);
  });

  it('lives in RAM where available and can be tuned', () => {
    expect(existsSync(dir)).toBe(true);
    if (process.platform === 'linux' && existsSync('/dev/shm')) expect(dir.startsWith('/dev/shm/')).toBe(true);
    expect(sharedMinFloats({})).toBe(65536);
    expect(sharedMinFloats({ KILN_COMM_SHARED_MIN: '10' })).toBe(10);
    expect(sharedMinFloats({ KILN_COMM_SHARED_MIN: 'x' })).toBe(65536);
  });
});
