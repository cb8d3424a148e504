import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonLines, mpiSkipReason, runMpi } from './mpirun';

const skip = mpiSkipReason();
const CASES = [
  'sum of an empty array',
  'sum of no arrays',
  'sum of one float',
  'mean of an odd length',
  'mean of 10M floats',
  'sum of 10M floats across 4 KiB buckets',
  'mean of 1500 small arrays across bucket boundaries',
  'sum of arrays straddling a large one',
  'concurrent collectives',
  'broadcast from the last rank to ranks that passed nothing',
  'broadcast into same-shaped arrays, in place',
  'allGather numbers',
  'allGather Float32Arrays of different lengths',
  'event loop live during a barrier',
];

describe.skipIf(!!skip)(`MPI collectives under mpirun -np 2${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('every collective gives the reduced values on both ranks, in place', async () => {
    const run = await runMpi(2, join(__dirname, 'fixtures/collectives-worker.ts'), [], { timeoutMs: 90_000 });
    expect(run.code, run.output).toBe(0);
    const lines = jsonLines<{ rank: number; case: string; ok: boolean; detail: string }>(run.output);
    for (const rank of [0, 1]) {
      const mine = lines.filter((l) => l.rank === rank);
      expect(mine.map((l) => l.case)).toEqual(CASES);
      for (const l of mine) expect(l.ok, `rank ${rank}, ${l.case}: ${l.detail}`).toBe(true);
    }
  }, 120_000);
});
