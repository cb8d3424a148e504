import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareWeights, solo, trainDataParallel } from './fixtures/train';
import { mpiSkipReason, runMpi } from './mpirun';

const skip = mpiSkipReason();
const dir = mkdtempSync(join(tmpdir(), 'kiln-mpi-eq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const STEPS = 4;

describe.skipIf(!!skip)(`data parallel on MPI${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it.each([
    ['one fused bucket', '67108864'],
    ['64-float buckets: the 235 gradient values split over three', '256'],
  ])('mpirun -np 2 × batch 32 reaches the weights of 1 process × batch 64 (%s)', async (label, bucketBytes) => {
    const outFile = join(dir, `weights-${bucketBytes}.json`);
    const run = await runMpi(2, join(__dirname, 'fixtures/train-worker.ts'), [outFile, String(STEPS), bucketBytes], { timeoutMs: 120_000 });
    expect(run.code, run.output).toBe(0);
    const parallel = (JSON.parse(readFileSync(outFile, 'utf8')) as number[][]).map((w) => Float32Array.from(w));
    const single = await trainDataParallel(solo, STEPS);
    const before = await trainDataParallel(solo, 0);
    expect(parallel.map((w) => w.length)).toEqual(single.map((w) => w.length));
    const { maxDiff, maxMoved } = compareWeights(single, parallel, before);
    expect(maxDiff, label).toBeLessThan(1e-5);
    // Only meaningful if training actually changed the weights.
    expect(maxMoved).toBeGreaterThan(1e-2);
  }, 150_000);
});
