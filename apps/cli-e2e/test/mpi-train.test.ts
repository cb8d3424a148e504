import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkpointWeights, kilnAsync, maxWeightDiff, mpiSkipReason, mpirunKiln, rankPids, runFolders, TINY, TOLERANCE, type Run } from './mpi';

const skip = mpiSkipReason();
if (skip) console.warn(`skipping the kiln train on MPI tests: ${skip}`);


describe.skipIf(skip !== undefined)('kiln train on MPI (mpirun -np 2 node apps/cli/dist/main.js train …)', () => {
  const work = mkdtempSync(join(tmpdir(), 'kiln-e2e-mpi-'));
  const cache = { KILN_CACHE_DIR: join(work, 'cache') };
  const dirs = { one: join(work, 'one'), two: join(work, 'two'), resume: join(work, 'resume'), three: join(work, 'three') };
  let one: Run;
  let two: Run;

  const lastCkpt = (outputs: string): string => join(runFolders(outputs).at(-1)!, 'checkpoints', 'last.ckpt');
  const cwd = (_dir: string) => ({ cwd: work, env: cache });
  const at = (outputs: string) => `run.root=${outputs}`;

  beforeAll(async () => {
    // The dataset is generated once, by the single-process run, before two ranks would race for it.
    one = await kilnAsync(['train', ...TINY, 'trainer.maxEpochs=2', at(dirs.one)], cwd(dirs.one));
    expect(one.code, one.output).toBe(0);
    two = await mpirunKiln(2, ['train', ...TINY, 'trainer.maxEpochs=2', at(dirs.two)], cwd(dirs.two));
    expect(two.code, two.output).toBe(0);
  }, 600_000);

  it('2 ranks × 8 samples reach the weights of 1 process × 16 (float tolerance), and training moved them', () => {
    const a = checkpointWeights(lastCkpt(dirs.one));
    const b = checkpointWeights(lastCkpt(dirs.two));
    expect(maxWeightDiff(a, b)).toBeLessThan(TOLERANCE);
    expect(two.output).toMatch(/parallel: MPI \(openmpi\), 2 ranks, gradients all-reduced in fused buckets of 64 MiB/);
    // Validation metrics are aggregated over both ranks' shards: the same numbers as one process.
    const val = (outputs: string) => readFileSync(join(runFolders(outputs)[0], 'train.log'), 'utf8').match(/epoch 1 val: (.*)/)?.[1];
    expect(val(dirs.two)).toBeDefined();
    expect(val(dirs.two)).toBe(val(dirs.one));
  });

  it('engine.bucketMB sets the fusion bucket; the gradients (394 KB) split over 2 buckets reach the same weights', async () => {
    const out = join(work, 'bucket');
    const r = await mpirunKiln(2, ['train', ...TINY, 'trainer.maxEpochs=2', 'engine.bucketMB=0.25', at(out)], cwd(out));
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/fused buckets of 0\.25 MiB/);
    expect(maxWeightDiff(checkpointWeights(lastCkpt(out)), checkpointWeights(lastCkpt(dirs.one)))).toBeLessThan(TOLERANCE);
  });

  it('only rank 0 writes: one run folder, one train.log without duplicated lines', () => {
    const folders = runFolders(dirs.two);
    expect(folders).toHaveLength(1);
    expect(readdirSync(folders[0]).sort()).toEqual(readdirSync(runFolders(dirs.one)[0]).sort());
    const log = readFileSync(join(folders[0], 'train.log'), 'utf8');
    expect(log.match(/epoch 1 train:/g)).toHaveLength(1);
    // The log and the terminal speak once (rank 0), not once per rank.
    expect(two.output.match(/epoch 1 train:/g)).toHaveLength(1);
  });

  it('a 2-rank run resumes with 1 rank (and a 1-process run with 2) and ends where 1 process trained throughout would', async () => {
    const resumed = await kilnAsync(['train', ...TINY, 'trainer.maxEpochs=3', `trainer.resume=${lastCkpt(dirs.two)}`, at(dirs.resume)], cwd(dirs.resume));
    expect(resumed.code, resumed.output).toBe(0);
    expect(resumed.output).toMatch(/resum/i);
    const straight = await kilnAsync(['train', ...TINY, 'trainer.maxEpochs=3', at(dirs.three)], cwd(dirs.three));
    expect(straight.code, straight.output).toBe(0);
    const a = checkpointWeights(lastCkpt(dirs.resume));
    expect(maxWeightDiff(a, checkpointWeights(lastCkpt(dirs.three)))).toBeLessThan(TOLERANCE);
    expect(maxWeightDiff(a, checkpointWeights(lastCkpt(dirs.two)))).toBeGreaterThan(1e-3);
    // And the other way: a 1-process run resumed with 2 ranks.
    const up = join(work, 'resume-up');
    const widened = await mpirunKiln(2, ['train', ...TINY, 'trainer.maxEpochs=3', `trainer.resume=${lastCkpt(dirs.one)}`, at(up)], cwd(up));
    expect(widened.code, widened.output).toBe(0);
    expect(maxWeightDiff(checkpointWeights(lastCkpt(up)), checkpointWeights(lastCkpt(dirs.three)))).toBeLessThan(TOLERANCE);
  }, 300_000);

  it('--workers=2 on one host runs the ranks under mpirun (one INFO line) with the same weights', async () => {
    const out = join(work, 'workers');
    const r = await kilnAsync(['train', '--workers=2', ...TINY, 'trainer.maxEpochs=2', at(out)], cwd(out));
    expect(r.code, r.output).toBe(0);
    expect(r.output.match(/parallel: 2 ranks on MPI \(mpirun -np 2\)/g)).toHaveLength(1);
    expect(r.output.match(/parallel:/g)).toHaveLength(1);
    expect(runFolders(out)).toHaveLength(1);
    expect(maxWeightDiff(checkpointWeights(lastCkpt(out)), checkpointWeights(lastCkpt(dirs.one)))).toBeLessThan(TOLERANCE);
  }, 300_000);

  it('engine.parallel=ipc keeps --workers=2 on the local IPC path, saying so', async () => {
    const out = join(work, 'ipc');
    const r = await kilnAsync(['train', '--workers=2', ...TINY, 'trainer.maxEpochs=1', 'engine.parallel=ipc', at(out)], cwd(out));
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/parallel: 2 workers over local IPC \(engine\.parallel=ipc\)/);
  }, 300_000);

  it('refuses to start, naming the cause, when mpirun started it but @kiln/mpi is not built', async () => {
    const out = join(work, 'no-addon');
    const r = await mpirunKiln(2, ['train', ...TINY, at(out)], { cwd: work, env: { ...cache, KILN_MPI_ADDON: join(work, 'missing.node') } });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/started by openmpi as rank [01] of 2, but @kiln\/mpi is not built/);
    expect(runFolders(out)).toEqual([]);
  });

  it('a rank killed mid-training ends the job within seconds, non-zero, naming the rank; last.ckpt stays loadable', async () => {
    const out = join(work, 'killed');
    let killedAt = 0;
    let pid = 0;
    const r = await mpirunKiln(2, ['train', ...TINY, 'trainer.maxEpochs=200', 'trainer.checkValEveryNEpoch=1000', at(out)], {
      cwd: work,
      env: cache,
      onOutput: (text, mpirun) => {
        // After epoch 2 there is a last.ckpt; then kill rank 1.
        if (killedAt || !/epoch 2 train:/.test(text)) return;
        const ranks = rankPids(mpirun);
        pid = ranks.get(1) ?? 0;
        if (!pid) return;
        killedAt = Date.now();
        process.kill(pid, 'SIGKILL');
      },
    });
    const ended = Date.now();
    expect(killedAt, r.output).toBeGreaterThan(0);
    expect(r.code).not.toBe(0);
    expect(ended - killedAt).toBeLessThan(15_000);
    expect(r.output).toMatch(/rank 1/);
    const last = lastCkpt(out);
    expect(existsSync(last)).toBe(true);
    expect(checkpointWeights(last).size).toBeGreaterThan(0);
  }, 300_000);

  it('a rank that raises ends the job within seconds, non-zero, with `kiln: rank 1: <its error>`', async () => {
    const out = join(work, 'raises');
    writeFileSync(
      join(work, 'boom.js'),
      `class Boom { static type = 'boom'; onTrainBatchEnd(t) { if (process.env.OMPI_COMM_WORLD_RANK === '1' && t.globalStep >= 8) throw new Error('boom on purpose at step ' + t.globalStep); } }
exports.register = (r) => r.callbacks.register(Boom, 'e2e');\n`,
    );
    const r = await mpirunKiln(2, ['train', ...TINY, 'trainer.maxEpochs=200', 'imports=[./boom.js]', '+callbacks.boom={_target_: boom}', at(out)], { cwd: work, env: cache });
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toMatch(/kiln: rank 1: boom on purpose at step 8/);
    expect(r.ms).toBeLessThan(60_000);
    // Rank 0 wrote its last.ckpt at the end of epoch 0 (6 steps) and nothing broke it.
    expect(checkpointWeights(lastCkpt(out)).size).toBeGreaterThan(0);
  }, 300_000);

  it('SIGTERM to one rank stops both after the same step; rank 0 saves last.ckpt before any rank exits (143)', async () => {
    const out = join(work, 'term');
    let sent = false;
    const r = await mpirunKiln(2, ['train', ...TINY, 'trainer.maxEpochs=200', 'trainer.checkValEveryNEpoch=1000', at(out)], {
      cwd: work,
      env: cache,
      onOutput: (text, mpirun) => {
        if (sent || !/epoch 1 train:/.test(text)) return;
        const pid = rankPids(mpirun).get(1);
        if (!pid) return;
        sent = true;
        process.kill(pid, 'SIGTERM');
      },
    });
    expect(sent, r.output).toBe(true);
    expect(r.code, r.output).toBe(143);
    expect(r.output).toMatch(/training interrupted by SIGTERM; saved .*last\.ckpt/);
    expect(r.output).not.toMatch(/MPI_ABORT|aborting the MPI job/);
    const ckpt = checkpointWeights(lastCkpt(out));
    expect(ckpt.size).toBeGreaterThan(0);
  }, 300_000);

  it('Ctrl-C (SIGINT) to `kiln train --workers=2` reaches the ranks: last.ckpt saved, exit 130, no rank left behind', async () => {
    const out = join(work, 'int');
    let sent = 0;
    const r = await kilnAsync(['train', '--workers=2', ...TINY, 'trainer.maxEpochs=200', 'trainer.checkValEveryNEpoch=1000', at(out)], {
      cwd: work,
      env: cache,
      onOutput: (text, pid) => {
        if (sent || !/epoch 1 train:/.test(text)) return;
        sent = pid;
        process.kill(pid, 'SIGINT');
      },
    });
    expect(sent, r.output).toBeGreaterThan(0);
    expect(r.code, r.output).toBe(130);
    expect(r.output).toMatch(/training interrupted by SIGINT; saved .*last\.ckpt/);
    expect(checkpointWeights(lastCkpt(out)).size).toBeGreaterThan(0);
    const left = spawnSync('pgrep', ['-f', out], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
  }, 300_000);
});
