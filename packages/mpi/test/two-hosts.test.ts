import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareWeights, solo, trainDataParallel } from './fixtures/train';
import { jsonLines, mpiSkipReason, runMpi } from './mpirun';
import { setUpTwoHosts, type TwoHosts } from './two-hosts';

const skipMpi = mpiSkipReason();
const hosts: TwoHosts | string = skipMpi ?? setUpTwoHosts();
const skip = typeof hosts === 'string' ? hosts : undefined;
const dir = mkdtempSync(join(tmpdir(), 'kiln-mpi-2h-'));
afterAll(() => {
  if (typeof hosts !== 'string') hosts.cleanUp();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!!skip)(`MPI across two hosts (network namespaces over a veth pair, TCP)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const h = hosts as TwoHosts;

  it('collectives are correct with one rank on each host', async () => {
    const run = await runMpi(2, join(__dirname, 'fixtures/collectives-worker.ts'), [], { launcher: h.launcher, mpirunArgs: h.mpirunArgs, timeoutMs: 120_000 });
    expect(run.code, run.output).toBe(0);
    const where = [...run.output.matchAll(/netns of rank (\d): (\S+)/g)].map((m) => m[2]);
    expect(where).toHaveLength(2);
    expect(where[0], 'both ranks ran in the same network namespace').not.toBe(where[1]);
    const lines = jsonLines<{ rank: number; case: string; ok: boolean; detail: string }>(run.output);
    expect(lines.filter((l) => l.rank === 1).length).toBeGreaterThan(10);
    expect(lines.filter((l) => l.rank === 0).length).toBe(lines.filter((l) => l.rank === 1).length);
    for (const l of lines) expect(l.ok, `rank ${l.rank}, ${l.case}: ${l.detail}`).toBe(true);
  }, 150_000);

  it('2 hosts × batch 32 reach the weights of 1 process × batch 64', async () => {
    const outFile = join(dir, 'weights.json');
    const run = await runMpi(2, join(__dirname, 'fixtures/train-worker.ts'), [outFile, '4'], { launcher: h.launcher, mpirunArgs: h.mpirunArgs, timeoutMs: 120_000 });
    expect(run.code, run.output).toBe(0);
    const parallel = (JSON.parse(readFileSync(outFile, 'utf8')) as number[][]).map((w) => Float32Array.from(w));
    const single = await trainDataParallel(solo, 4);
    const { maxDiff, maxMoved } = compareWeights(single, parallel, await trainDataParallel(solo, 0));
    expect(maxDiff).toBeLessThan(1e-5);
    expect(maxMoved).toBeGreaterThan(1e-2);
  }, 150_000);
});
