import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addonFile, loadAddon } from './load-addon.js';

/**
 * oneDNN < 3.11.2's JIT sgemm points rsp into the heap while it runs (oneDNN#4845), so a
 * signal handled during a kernel corrupted the heap ("corrupted size vs. prev_size", exit 134
 * within ~2 s of this test before signal_guard.h). A child process runs the mlp's GEMM
 * shapes on oneDNN with a SIGUSR2 handler (like the trainer's SIGINT/SIGTERM graceful stop)
 * while this process sends it bursts of SIGUSR2; it must finish cleanly and have handled them.
 */
const CHILD = `
const addon = require(process.argv[2]);
addon.setThreads(2);
let handled = 0;
process.on('SIGUSR2', () => { handled++; });
const shapes = [[64, 256, 3072, false, false], [3072, 256, 64, true, false], [64, 3072, 256, false, true], [64, 128, 256, false, false]];
const bufs = shapes.map(([M, N, K]) => [new Float32Array(M * K).fill(0.01), new Float32Array(K * N).fill(0.02), new Float32Array(M * N)]);
let calls = 0;
const t0 = Date.now();
process.stdout.write('ready\\n');
(async () => {
  while (Date.now() - t0 < 2500) {
    shapes.forEach(([M, N, K, ta, tb], i) => { const [a, b, c] = bufs[i]; addon.gemm(a, b, c, 1, M, N, K, ta, tb, 0, 0, 1, null, 0, 0); calls++; });
    if (calls % 40 === 0) await new Promise((r) => setImmediate(r)); // let the handler run
  }
  const c = bufs[0][2];
  if (Math.abs(c[0] - 3072 * 0.01 * 0.02) > 1e-3) throw new Error('wrong product ' + c[0]);
  console.log(JSON.stringify({ calls, handled }));
  // exit only once the parent has stopped signalling (stdin closed): a signal during Node's exit would kill us
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
})();
`;

const dir = mkdtempSync(join(tmpdir(), 'kiln-signal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!loadAddon())('signals during oneDNN kernels (signal_guard.h)', () => {
  it('a process handling signals while it runs oneDNN GEMMs neither crashes nor computes wrong', async () => {
    const script = join(dir, 'child.cjs');
    writeFileSync(script, CHILD);
    const child = spawn(process.execPath, [script, addonFile()], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
    let out = '';
    let err = '';
    let sent = 0;
    child.stderr.on('data', (d) => (err += d));
    const done = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : code)));
    let running = true;
    void done.then(() => (running = false));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('{')) {
        running = false; // the loop is over: stop, then let the child exit
        child.stdin.end();
      }
      if (!out.startsWith('ready') || sent) return;
      const burst = () => {
        for (let i = 0; i < 25 && running; i++) {
          try {
            child.kill('SIGUSR2');
            sent++;
          } catch {
            running = false;
          }
        }
        if (running) setTimeout(burst, 1);
      };
      burst();
    });
    const code = await done;
    expect(err, 'child stderr').not.toMatch(/corrupted|malloc|free\(\)|Segmentation/);
    expect(code, err).toBe(0);
    const result = JSON.parse(out.trim().split('\n').pop()!) as { calls: number; handled: number };
    expect(sent).toBeGreaterThan(500);
    expect(result.handled).toBeGreaterThan(0);
    expect(result.calls).toBeGreaterThan(100);
  }, 30_000);
});
