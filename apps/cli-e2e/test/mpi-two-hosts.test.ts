import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @kiln/mpi's test harness: two network namespaces over a veth pair, mpirun reaching the second
// through a plm_rsh_agent that enters it (test code, shared rather than copied).
import { setUpTwoHosts, type TwoHosts } from '../../../packages/mpi/test/two-hosts';
import { checkpointWeights, kilnAsync, maxWeightDiff, mpiSkipReason, mpirunKiln, runFolders, TINY, TOLERANCE } from './mpi';

const mpiSkip = mpiSkipReason();
const hosts: TwoHosts | string = mpiSkip ?? setUpTwoHosts();
const skip = typeof hosts === 'string' ? hosts : undefined;
if (skip) console.warn(`skipping kiln train across two hosts: ${skip}`);

describe.skipIf(skip !== undefined)('kiln train across two "hosts" (network namespaces, TCP over a veth pair)', () => {
  afterAll(() => {
    if (typeof hosts !== 'string') hosts.cleanUp();
  });

  it('mpirun -np 2 -H a:1,b:1 kiln train reaches the weights of one process with the global batch; only rank 0 writes', async () => {
    const h = hosts as TwoHosts;
    const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-hosts-'));
    const env = { KILN_CACHE_DIR: join(work, 'cache') };
    const one = await kilnAsync(['train', ...TINY, 'trainer.maxEpochs=2', `run.root=${join(work, 'one')}`], { cwd: work, env });
    expect(one.code, one.output).toBe(0);
    const two = await mpirunKiln(2, ['train', ...TINY, 'trainer.maxEpochs=2', `run.root=${join(work, 'two')}`], {
      cwd: work,
      env,
      launcher: h.launcher,
      mpirunArgs: h.mpirunArgs,
      timeoutMs: 240_000,
    });
    expect(two.code, two.output).toBe(0);
    expect(two.output).toMatch(/parallel: MPI \(openmpi\), 2 ranks/);
    const folders = runFolders(join(work, 'two'));
    expect(folders).toHaveLength(1);
    expect(readdirSync(join(folders[0], 'checkpoints'))).toContain('last.ckpt');
    const a = checkpointWeights(join(runFolders(join(work, 'one'))[0], 'checkpoints', 'last.ckpt'));
    const b = checkpointWeights(join(folders[0], 'checkpoints', 'last.ckpt'));
    expect(maxWeightDiff(a, b)).toBeLessThan(TOLERANCE);
  }, 400_000);
});
