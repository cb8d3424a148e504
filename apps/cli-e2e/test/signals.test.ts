import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from './cli';

// 600 images in batches of 4: 150 steps per epoch, so "stopped within a few steps" and "stopped at
// the end of the epoch" are far apart. Progress is printed every step (non-TTY progress lines).
const STEPS = 150;
const ARGS = [
  'train', 'data.trainPerClass=100', 'data.valPerClass=2', 'data.testPerClass=2', 'data.batchSize=4', 'trainer.maxEpochs=3',
  'callbacks=minimal', '+callbacks.progress_bar.logEvery=1',
];

interface Interrupted {
  code: number | null;
  output: string;
  /** Steps printed when SIGTERM was sent, and the last step printed before the process exited. */
  stepAtKill: number;
  lastStep: number;
}

/** Starts training, sends SIGTERM once the progress line shows batch `atStep` of epoch 1, waits for exit. */
function trainAndInterrupt(cache: string, work: string, atStep: number): Promise<Interrupted> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...ARGS, `data.cache=${cache}`], {
      cwd: work,
      env: { ...process.env, INIT_CWD: work, FORCE_COLOR: '0', KILN_CACHE_DIR: join(work, 'cache') },
    });
    let output = '';
    let stepAtKill = -1;
    let lastStep = -1;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const m of output.matchAll(/Epoch 1\/3\s+(\d+)\/(\d+)/g)) lastStep = Math.max(lastStep, Number(m[1]));
      if (stepAtKill < 0 && lastStep >= atStep) {
        stepAtKill = lastStep;
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, output, stepAtKill, lastStep });
    });
  });
}

// Issue 13, bug 1: with `data.cache=memory` batches never wait on I/O, the loop never yielded to the
// event loop, and SIGTERM was only seen after the epoch's validation.
describe.skipIf(!existsSync(CLI))('SIGTERM during training stops within a step', () => {
  it.each(['memory', 'none'])('data.cache=%s', async (cache) => {
    const work = mkdtempSync(join(tmpdir(), `kiln-e2e-signal-${cache}-`));
    const r = await trainAndInterrupt(cache, work, 5);
    expect(r.stepAtKill, r.output).toBeGreaterThanOrEqual(5);
    expect(r.code, r.output).toBe(143);
    expect(r.output).toMatch(/SIGTERM received/);
    // the pipe may lag a few lines behind a busy machine; unfixed, all 145 remaining steps ran first
    expect(r.lastStep - r.stepAtKill, r.output).toBeLessThanOrEqual(15);
    expect(r.lastStep).toBeLessThan(STEPS);
    expect(r.output).not.toMatch(/epoch 0 val:/);
    expect(existsSync(join(work, 'outputs', 'latest', 'checkpoints', 'last.ckpt'))).toBe(true);
  });
});
