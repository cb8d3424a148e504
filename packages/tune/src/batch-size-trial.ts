import { silentLogger, type Logger, type Registries } from '@kiln/core';
import { isOutOfMemoryError } from '@kiln/engine';
import type { BatchTrial } from './batch-size-search';
import { withMemoryLimit } from './memory-cap';
import { buildTuneParts, type TuneParts } from './tune-parts';

export interface BatchTrialArgs {
  config: Record<string, unknown>;
  registries: Registries;
  batchSize: number;
  /** Optimizer steps per trial (the first step allocates optimizer slots; later ones the steady state). */
  steps: number;
  /** Simulated memory cap in bytes (see `withMemoryLimit`). */
  memoryLimit?: number;
  logger?: Logger;
  engine?: unknown;
}

/** The config with `data.batchSize` replaced (the input is left untouched). */
export function withBatchSize(config: Record<string, unknown>, batchSize: number): Record<string, unknown> {
  return { ...config, data: { ...((config.data ?? {}) as Record<string, unknown>), batchSize } };
}

/**
 * A few real training steps at `batchSize` on a fresh model, data module and optimizer.
 * `minBatchSize` is pinned to the size, so the trainer's own out-of-memory retry (which would
 * quietly split the batch) fails instead; any out-of-memory error means "does not fit".
 */
export async function tryBatchSize(args: BatchTrialArgs): Promise<BatchTrial> {
  const logger = args.logger ?? silentLogger;
  const config = withBatchSize(args.config, args.batchSize);
  let parts: TuneParts | undefined;
  try {
    parts = await buildTuneParts({ config, registries: args.registries, engine: args.engine, maxSteps: args.steps, minBatchSize: args.batchSize });
    const loss = args.memoryLimit !== undefined ? withMemoryLimit(parts.loss, args.memoryLimit) : parts.loss;
    await parts.trainer.fit({ model: parts.model, loss, optimizer: parts.optimizer, data: parts.data, callbacks: {} });
    return { batchSize: args.batchSize, fits: true };
  } catch (err) {
    if (!isOutOfMemoryError(err)) throw err;
    logger.debug(`batch ${args.batchSize}: ${(err as Error).message}`);
    return { batchSize: args.batchSize, fits: false, error: rootMessage(err) };
  } finally {
    parts?.dispose();
  }
}

/** The innermost cause's first line: the backend's own words, not the trainer's retry advice. */
function rootMessage(err: unknown): string {
  let e = err as { message?: unknown; cause?: unknown };
  while (e.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  return String(e.message ?? e).split('\n')[0];
}
