import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRunContainer, quoteCsv, silentLogger, type Registries } from '@kiln/core';
import { assembleRun, Callback } from '@kiln/trainer';
import type { Preflight } from './preflight';
import type { EpochSteps } from './plan';

/** Timed steps after one warm-up step (graph building, first allocations). */
const TIMED_STEPS = 3;

class StepTimer extends Callback {
  readonly ends: number[] = [];
  override onTrainEpochStart(): void {
    this.ends.push(performance.now());
  }
  override onTrainBatchEnd(): void {
    this.ends.push(performance.now());
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/**
 * `--dry-run` only: trains a few batches of the run's own model, loss, optimizer and data pipeline
 * (decoding included, no cache) on rows of the training CSV, in this process on the initialised
 * engine, and scales the median step to an epoch. The rows go to a temporary CSV outside the
 * run folders, removed afterwards; nothing else is written.
 */
export async function estimateEpochTime(
  config: Record<string, unknown>,
  registries: Registries,
  pre: Preflight,
  steps: EpochSteps,
  engine: unknown,
): Promise<string> {
  const { spec, data } = pre;
  if (!spec || !data) return 'not estimated (the data module is not CSV-backed)';
  const train = data.csvs.find((c) => c.role === 'train')!;
  const rows = Math.min(train.kept.length, spec.batchSize * (TIMED_STEPS + 1));
  const dir = mkdtempSync(join(tmpdir(), 'kiln-dry-run-'));
  try {
    const csv = join(dir, 'sample.csv');
    const lines = ['path,label'];
    for (let k = 0; k < rows; k++) {
      const i = Math.floor((k * train.kept.length) / rows);
      lines.push(`${quoteCsv(train.kept.path(i))},${quoteCsv(data.classes[train.ids[i]])}`);
    }
    writeFileSync(csv, lines.join('\n') + '\n');
    const node = (config.data ?? {}) as Record<string, unknown>;
    const processor = node.processor ?? { _target_: 'image', ...spec.processor.toConfig() };
    const sampleConfig = {
      ...config,
      data: {
        _target_: 'csv', trainCsv: csv, classes: data.classes, allowOutsideRoot: true, batchSize: spec.batchSize,
        shuffle: false, dropLast: false, cache: 'none', maxBadFraction: 1, processor,
        ...(node.augmentation ? { augmentation: node.augmentation } : {}),
        ...(typeof node.decodeConcurrency === 'number' ? { decodeConcurrency: node.decodeConcurrency } : {}),
      },
      trainer: {
        ...((config.trainer ?? {}) as Record<string, unknown>),
        maxEpochs: 1, maxSteps: null, limitTrainBatches: null, limitValBatches: null, fastDevRun: false,
        overfitBatches: 0, accumulateGradBatches: 1, resume: null, devices: null,
      },
      callbacks: {},
    };
    const run = createRunContainer({ config: sampleConfig, registries, logger: silentLogger, engine });
    const timer = new StepTimer();
    try {
      const { trainer, ...parts } = await assembleRun(run);
      await trainer.fit({ ...parts, callbacks: { dry_run_timer: timer }, runsRoot: dir, meta: {} });
    } finally {
      run.dispose();
    }
    const durations = timer.ends.slice(1).map((t, i) => (t - timer.ends[i]) / 1000);
    const timed = durations.length > 1 ? durations.slice(1) : durations;
    if (timed.length === 0) return 'not estimated (no training step ran)';
    const median = [...timed].sort((a, b) => a - b)[Math.floor(timed.length / 2)];
    const epoch = median * steps.batchesPerEpoch;
    return (
      `~${formatSeconds(epoch)} per epoch (${steps.batchesPerEpoch} batches × ${(median * 1000).toFixed(0)} ms, the median of ` +
      `${timed.length} timed step(s) after a warm-up, decoding included, validation not timed); ` +
      `~${formatSeconds(epoch * steps.maxEpochs)} for ${steps.maxEpochs} epoch(s), on this process's engine`
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
