import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '@kiln/core';
import { decodeCheckpoint, findResumeCheckpoint, type CheckpointPayload } from '@kiln/trainer';
import { CLI } from './cli';

// A tiny deterministic run: mlp on 48 shapes images, 6 steps per epoch, 10 epochs, no data cache.
const ARGS = [
  'train', 'model=mlp', 'data.trainPerClass=8', 'data.valPerClass=2', 'data.testPerClass=2', 'data.batchSize=8', 'data.cache=none',
  'trainer.maxEpochs=10', 'callbacks=minimal', 'seed=7', 'trainer.resume=auto',
];
const SEED = Number(process.env.KILN_CRASH_SEED ?? 5);
const KILLS = 5;
const TOTAL_STEPS = 60;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** When to SIGKILL from outside: `ms` after start, or `extraMs` after the progress line of global step `step`. */
type Kill = { ms: number } | { step: number; extraMs: number };

/** Trains in `work`; `kill` SIGKILLs it from outside, `env` may arm the in-write kill hook. */
function train(work: string, env: Record<string, string>, kill?: Kill): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...ARGS], {
      cwd: work,
      env: { ...process.env, INIT_CWD: work, FORCE_COLOR: '0', KILN_CACHE_DIR: join(work, '..', 'cache'), ...env },
    });
    let output = '';
    let killer: NodeJS.Timeout | undefined;
    if (kill && 'ms' in kill) killer = setTimeout(() => child.kill('SIGKILL'), kill.ms);
    const onData = (c: Buffer) => {
      output += c.toString();
      if (!kill || !('step' in kill) || killer) return;
      for (const m of output.matchAll(/Epoch (\d+)\/\d+ (\d+)\/(\d+)/g)) {
        if ((Number(m[1]) - 1) * Number(m[3]) + Number(m[2]) >= kill.step) {
          killer = setTimeout(() => child.kill('SIGKILL'), kill.extraMs);
          break;
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const guard = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      if (killer) clearTimeout(killer);
      done({ code, signal, output });
    });
  });
}

/** Every `last.ckpt` under `outputs/` that decodes; a torn file would throw here. */
function completeCheckpoints(work: string): CheckpointPayload[] {
  const found: CheckpointPayload[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (name === 'latest') continue;
      if (statSync(p).isDirectory()) walk(p);
      else if (name === 'last.ckpt') found.push(decodeCheckpoint(readFileSync(p), p));
    }
  };
  if (existsSync(join(work, 'outputs'))) walk(join(work, 'outputs'));
  return found;
}

function weightsOf(path: string): Buffer[] {
  return decodeCheckpoint(readFileSync(path), path).weights.map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength));
}

// Issue 13, "crash consistency": SIGKILL at seeded random moments, several times in a row, some of
// them inside a checkpoint write; each `trainer.resume=auto` must start from the newest complete
// checkpoint, and the final weights must equal an uninterrupted run's bit for bit.
describe.skipIf(!existsSync(CLI))('SIGKILL at random moments, then resume', () => {
  it(`${KILLS} kills (seed ${SEED}) end with the weights of an uninterrupted run`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiln-e2e-crash-'));
    const reference = join(root, 'reference');
    const crashed = join(root, 'crashed');
    for (const d of [reference, crashed]) mkdirSync(d);

    const ref = await train(reference, {});
    expect(ref.code, ref.output).toBe(0);

    const rng = new Rng(SEED, 'crash-consistency');
    const log: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      const before = completeCheckpoints(crashed);
      const trained = Math.max(0, ...before.map((c) => c.globalStep));
      // `latest` moves to the new run when it starts: pin the real file auto picks now
      const found = findResumeCheckpoint('auto', join(crashed, 'outputs'));
      const expected = found && realpathSync(found);
      const inWrite = rng.bernoulli(0.5);
      // an epoch end writes the top-k file and best.ckpt (when improved), then last.ckpt: kill in one of the first 3 writes
      const spec = `${1 + rng.int(3)}:${rng.int(8)}`;
      const kill: Kill = rng.bernoulli(0.2)
        ? { ms: rng.int(1500) } // during start-up, before or while the checkpoint is read
        : { step: trained + 1 + rng.int(TOTAL_STEPS - trained - 1), extraMs: rng.int(40) };
      const r = inWrite ? await train(crashed, { KILN_TEST_KILL_IN_CHECKPOINT_WRITE: spec }) : await train(crashed, {}, kill);
      log.push(`${inWrite ? `in write ${spec}` : JSON.stringify(kill)}: ${r.signal ?? r.code}`);
      if (expected) {
        const ckpt = decodeCheckpoint(readFileSync(expected), expected);
        // the newest complete checkpoint is the one resumed from
        expect(Math.max(...before.map((c) => c.globalStep))).toBe(ckpt.globalStep);
        const resumed = /resumed from (\S+): epoch (\d+), batch (\d+), step (\d+)/.exec(r.output);
        if (resumed) {
          expect(realpathSync(resumed[1]), r.output).toBe(expected);
          expect(Number(resumed[4])).toBe(ckpt.globalStep);
        } else {
          // killed before the checkpoint was read: nothing may have been trained or written
          expect(r.signal, r.output).toBe('SIGKILL');
          expect(completeCheckpoints(crashed).length).toBe(before.length);
        }
      }
      if (r.code === 0) break; // finished before the kill landed
      expect(r.signal, `${log.join('; ')}\n${r.output}`).toBe('SIGKILL');
      // whatever the moment of the kill, every last.ckpt left behind decodes (completeCheckpoints throws otherwise)
      completeCheckpoints(crashed);
    }

    expect(log.filter((l) => l.endsWith('SIGKILL')).length, log.join('; ')).toBeGreaterThanOrEqual(3);
    const last = await train(crashed, {});
    expect(last.code, `${log.join('; ')}\n${last.output}`).toBe(0);
    const a = weightsOf(join(reference, 'outputs', 'latest', 'checkpoints', 'last.ckpt'));
    // a last resume that found the run finished writes nothing new: compare the newest complete checkpoint
    const b = weightsOf(findResumeCheckpoint('auto', join(crashed, 'outputs'))!);
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) expect(Buffer.compare(a[i], b[i]), `weight ${i} after ${log.join('; ')}`).toBe(0);
  }, 600_000);
});
