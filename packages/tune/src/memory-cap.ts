import * as tf from '@tensorflow/tfjs';
import { UsageError } from '@kiln/core';
import { OutOfMemoryError } from '@kiln/engine';
import type { AssembledRun } from '@kiln/trainer';

type LossFn = AssembledRun['loss'];

/** Env var: a simulated device memory size in MiB (tests and dry runs of `tune batch-size`). */
export const MEMORY_LIMIT_ENV = 'KILN_TUNE_MEMORY_LIMIT_MB';

/** `KILN_TUNE_MEMORY_LIMIT_MB` in bytes, or undefined when unset. */
export function memoryLimitFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[MEMORY_LIMIT_ENV];
  if (raw === undefined || raw === '') return undefined;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb <= 0) throw new UsageError(`${MEMORY_LIMIT_ENV} must be a positive number of MiB (got '${raw}')`);
  return Math.round(mb * 1024 * 1024);
}

/**
 * Wraps a loss so the forward pass fails like a full device once the live tensor bytes
 * (weights, optimizer slots, the batch and the activations the tape holds, as `tf.memory()`
 * counts them) exceed `limitBytes`. The error is the engine's `OutOfMemoryError`, so the
 * trainer and the tuner handle it exactly as a real one — deterministically, on any machine.
 */
export function withMemoryLimit(loss: LossFn, limitBytes: number): LossFn {
  return {
    compute(logits, targets) {
      const used = tf.memory().numBytes;
      if (used > limitBytes) {
        throw new OutOfMemoryError(`out of memory (simulated ${MEMORY_LIMIT_ENV} cap): ${used} bytes live > ${limitBytes}`, 'simulated');
      }
      return loss.compute(logits, targets);
    },
  };
}
