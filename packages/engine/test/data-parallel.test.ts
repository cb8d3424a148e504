import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalCommunicator } from '../src/parallel/communicator';
import { launchWorkers, WorkerFailedError } from '../src/parallel/launch-workers';
import { trainDataParallel } from './fixtures/data-parallel-train';

const dir = mkdtempSync(join(tmpdir(), 'kiln-dp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const STEPS = 4;

describe('data parallel across worker processes', () => {
  it.each([
    ['through IPC', { sharedFiles: false }],
    ['through shared files', { env: { KILN_COMM_SHARED_MIN: '1' } }],
  ])('2 workers × batch 32 reach the same weights as 1 worker × batch 64 (gradients %s)', async (label, transport) => {
    const outFile = join(dir, `weights-${label.replace(/ /g, '-')}.json`);
    const output: string[] = [];
    const result = await launchWorkers({
      devices: { kind: 'cpu', ids: [0, 1] },
      script: join(__dirname, 'fixtures/data-parallel-worker.ts'),
      args: [outFile, String(STEPS)],
      onOutput: (rank, _stream, text) => output.push(`[${rank}] ${text}`),
      ...transport,
    });
    expect(result, output.join('')).toEqual({ exitCode: 0, exitCodes: [0, 0], interrupted: false });
    const parallel = (JSON.parse(readFileSync(outFile, 'utf8')) as number[][]).map((w) => Float32Array.from(w));

    const single = await trainDataParallel(new LocalCommunicator(), STEPS);
    const before = await trainDataParallel(new LocalCommunicator(), 0);
    expect(parallel.map((w) => w.length)).toEqual(single.map((w) => w.length));
    let maxDiff = 0;
    let maxMoved = 0;
    single.forEach((w, i) =>
      w.forEach((v, j) => {
        maxDiff = Math.max(maxDiff, Math.abs(v - parallel[i][j]));
        maxMoved = Math.max(maxMoved, Math.abs(v - before[i][j]));
      }),
    );
    expect(maxDiff).toBeLessThan(1e-5);
    // The comparison only means something if training actually changed the weights.
    expect(maxMoved).toBeGreaterThan(1e-2);
  }, 120_000);

  it('a worker that dies rejects with its rank and exit code, and stops the others', async () => {
    const started = Date.now();
    const failure = await launchWorkers({
      devices: { kind: 'cpu', ids: [0, 1] },
      script: join(__dirname, 'fixtures/exit-worker.ts'),
      args: ['1'],
      onOutput: () => undefined,
      killGraceMs: 1000,
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkerFailedError);
    expect((failure as WorkerFailedError).rank).toBe(1);
    expect((failure as WorkerFailedError).workerExitCode).toBe(3);
    expect((failure as Error).message).toMatch(/worker rank 1 \(CPU\) exited with code 3/);
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);

  it('relays allGather and barriers for a healthy group', async () => {
    const lines: string[] = [];
    const result = await launchWorkers({
      devices: { kind: 'cpu', ids: [0] },
      count: 3, // a single CPU device stretched to 3 workers
      script: join(__dirname, 'fixtures/exit-worker.ts'),
      args: ['-1'],
      onOutput: (_rank, stream, text) => stream === 'stdout' && lines.push(text.trim()),
    });
    expect(result.exitCodes).toEqual([0, 0, 0]);
    expect(lines.sort()).toEqual([0, 1, 2].map((r) => `rank ${r} gathered [[0],[10],[20]]`));
  }, 90_000);

  it('gives each GPU worker its rank and only its device through CUDA_VISIBLE_DEVICES', async () => {
    const lines: string[] = [];
    const result = await launchWorkers({
      devices: { kind: 'gpu', ids: [3, 5] },
      script: join(__dirname, 'fixtures/env-worker.ts'),
      env: { EXTRA: 'x', CUDA_VISIBLE_DEVICES: '0,1,2,3,4,5' },
      onOutput: (_rank, stream, text) => stream === 'stdout' && lines.push(text.trim()),
    });
    expect(result.exitCodes).toEqual([0, 0]);
    const seen = lines.map((l) => JSON.parse(l) as Record<string, string | null>).sort((a, b) => Number(a.KILN_RANK) - Number(b.KILN_RANK));
    expect(seen).toEqual([
      { KILN_RANK: '0', KILN_WORLD_SIZE: '2', KILN_DEVICE_KIND: 'gpu', KILN_DEVICE_ID: '3', CUDA_VISIBLE_DEVICES: '3', EXTRA: 'x' },
      { KILN_RANK: '1', KILN_WORLD_SIZE: '2', KILN_DEVICE_KIND: 'gpu', KILN_DEVICE_ID: '5', CUDA_VISIBLE_DEVICES: '5', EXTRA: 'x' },
    ]);
  }, 60_000);

  it('forwards interrupt signals to the workers and resolves with their exit codes', async () => {
    let ready = 0;
    let markReady: () => void = () => undefined;
    const allReady = new Promise<void>((resolve) => (markReady = resolve));
    const running = launchWorkers({
      devices: { kind: 'cpu', ids: [0, 1] },
      script: join(__dirname, 'fixtures/wait-worker.ts'),
      forwardSignals: ['SIGUSR2'], // stands in for SIGINT/SIGTERM without touching the test runner
      onOutput: (_rank, stream, text) => {
        if (stream === 'stdout' && text.includes('ready') && ++ready === 2) markReady();
      },
    });
    await allReady;
    process.emit('SIGUSR2' as never);
    const result = await running;
    expect(result).toEqual({ exitCode: 130, exitCodes: [130, 128 + 12], interrupted: true });
    expect(process.listenerCount('SIGUSR2')).toBe(0);
  }, 60_000);

  it('rejects a worker count that contradicts the device list, before starting anything', async () => {
    await expect(
      launchWorkers({ devices: { kind: 'gpu', ids: [0, 1] }, count: 3, script: join(__dirname, 'fixtures/env-worker.ts') }),
    ).rejects.toThrow(/count=3 does not match gpu devices \[0,1\]/);
  });

  it('a worker that exits cleanly while the others wait for it stops the run instead of hanging', async () => {
    const failure = await launchWorkers({
      devices: { kind: 'cpu', ids: [0, 1] },
      script: join(__dirname, 'fixtures/early-exit-worker.ts'),
      onOutput: () => undefined,
      killGraceMs: 1000,
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkerFailedError);
    expect((failure as Error).message).toMatch(/worker rank 1 \(CPU\) exited \(code 0\) while other workers wait for it in barrier #0/);
  }, 60_000);
});
