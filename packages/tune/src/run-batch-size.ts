import { join } from 'node:path';
import { writeFileAtomic } from '@kiln/core';
import { resolvePrecision } from '@kiln/trainer';
import { searchBatchSize } from './batch-size-search';
import { tryBatchSize } from './batch-size-trial';
import { MEMORY_LIMIT_ENV, memoryLimitFromEnv } from './memory-cap';
import type { TuneContext } from './tune-context';
import { buildTuneParts } from './tune-parts';

export interface BatchSizeRequest {
  init?: number;
  max?: number;
  /** Optimizer steps per trial. */
  steps: number;
}

/** `kiln tune batch-size`: the search, then `<out>/batch_size.json|txt`; prints the override. */
export async function runBatchSizeSearch(ctx: TuneContext, req: BatchSizeRequest): Promise<number> {
  const { logger, config, registries } = ctx;
  const memoryLimit = memoryLimitFromEnv();
  if (memoryLimit !== undefined) logger.warn(`${MEMORY_LIMIT_ENV}=${process.env[MEMORY_LIMIT_ENV]}: simulating a device of that size (tensors counted by tf.memory())`);
  const configured = Number(((config.data ?? {}) as { batchSize?: unknown }).batchSize);
  // The dataset size bounds the search: a bigger batch is never seen in training.
  const probe = await buildTuneParts({ config, registries, engine: ctx.engine, maxSteps: 1 });
  const trainSize = probe.trainSize;
  probe.dispose();
  const max = Math.min(req.max ?? 4096, trainSize ?? Infinity);
  const init = Math.min(req.init ?? 2, max);
  // Trials are real fits with the run's trainer settings, precision included. Under bf16-mixed/16-mixed
  // Kiln's tensors stay float32 (only conv/matmul inputs get low-precision copies), so the batch that
  // fits is about the one that fits in 32-true, not twice it as with PyTorch's half-size activations.
  const precision = resolvePrecision(((config.trainer ?? {}) as { precision?: string | number }).precision);
  if (precision !== '32-true') logger.info(`batch-size trials train at trainer.precision=${precision} (tensors stay float32; low-precision copies of conv/matmul inputs only)`);
  logger.info(`batch-size search: from ${init} up to ${max}${trainSize !== undefined && max === trainSize ? ' (the training split size)' : ''}, ${req.steps} steps per try; configured data.batchSize=${Number.isFinite(configured) ? configured : 'n/a'}`);
  const result = await searchBatchSize({
    init,
    max,
    tryBatch: (batchSize) => tryBatchSize({ config, registries, engine: ctx.engine, batchSize, steps: req.steps, memoryLimit, logger }),
    onTrial: (t) => logger.info(`batch ${String(t.batchSize).padStart(5)}: ${t.fits ? 'fits' : 'out of memory'}`),
  });
  const override = `data.batchSize=${result.batchSize}`;
  const why = result.reachedMax ? `the search limit ${max}` : `out of memory at ${result.firstFailure}`;
  await writeFileAtomic(join(ctx.outDir, 'batch_size.json'), JSON.stringify({ ...result, max, init, override, memoryLimitBytes: memoryLimit ?? null }, null, 2) + '\n');
  await writeFileAtomic(join(ctx.outDir, 'batch_size.txt'), override + '\n');
  logger.info(`${result.trials.length} tries; written ${join(ctx.outDir, 'batch_size.txt')}`);
  process.stdout.write(`largest batch that fits: ${result.batchSize} (stopped by ${why})\n${override}\n`);
  return 0;
}
