import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Logger, memorySink } from '@kiln/core';
import { launchWorkers, planEngine } from '@kiln/engine';

describe('launcher + workers end to end', () => {
  it('--gpus without a GPU backend: the launcher warns once, CPU workers init the engine quietly and reduce', async () => {
    const sink = memorySink();
    const logger = new Logger({ sinks: [sink] });
    const plan = await planEngine({ backend: 'cpu', gpus: '3,4', logger });
    expect(plan).toMatchObject({ spawnWorkers: true, devices: { kind: 'cpu', ids: [3, 4] } });
    expect(sink.records.map((r) => r.level)).toEqual(['WARN', 'INFO']);

    const lines: string[] = [];
    const errors: string[] = [];
    const result = await launchWorkers({
      devices: plan.devices,
      script: join(__dirname, 'fixtures/engine-worker.ts'),
      env: { TSX_TSCONFIG_PATH: join(__dirname, 'tsconfig.fixtures.json') },
      onOutput: (_rank, stream, text) => (stream === 'stdout' ? lines.push(text.trim()) : errors.push(text)),
    });
    expect(result.exitCode, errors.join('')).toBe(0);
    const reports = lines.map((l) => JSON.parse(l) as Record<string, unknown>).sort((a, b) => Number(a.rank) - Number(b.rank));
    expect(reports).toEqual([0, 1].map((rank) => ({
      rank,
      worldSize: 2,
      backend: 'cpu',
      devices: { kind: 'cpu', ids: [rank === 0 ? 3 : 4] }, // each told only its own id
      sum: [3],
      levels: ['DEBUG'],
    })));
  }, 90_000);
});
