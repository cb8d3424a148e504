import { componentRef, ConfigError, z } from '@kiln/core';
import type { StreamingMetric } from '@kiln/contracts';
import { precisionSchema } from './precision';

/** `null` (all), a batch count (int ≥ 1) or a fraction of the loader (0 < f ≤ 1). */
const limitSchema = z
  .union([z.number().int().min(1), z.number().gt(0).lt(1)])
  .nullable()
  .default(null);

const devicesSchema = z.union([z.number().int().min(1), z.array(z.number().int().min(0))]).nullable().default(null);

/**
 * `trainer.devices` as the engine's device request: a list is GPU ids, a number a CPU worker
 * count, null the default (one process). The one route from config (and `--gpus`/`--workers`,
 * which set it) to `initEngine`/`planEngine`.
 */
export function trainerDevices(trainer: unknown): { gpus?: number[]; workers?: number } {
  const node = (trainer ?? {}) as { devices?: unknown };
  const parsed = devicesSchema.safeParse(node.devices ?? null);
  if (!parsed.success) {
    throw new ConfigError(`'trainer.devices' must be a list of GPU ids or a worker count (got ${JSON.stringify(node.devices)})`, {
      path: 'trainer.devices',
      key: 'devices',
    });
  }
  const devices = parsed.data;
  if (Array.isArray(devices)) return { gpus: devices };
  return typeof devices === 'number' ? { workers: devices } : {};
}

/** Options of `trainer:` in config. Strict, so misspelled keys get "did you mean". */
export const trainerOptionsSchema = z
  .object({
    maxEpochs: z.number().int().min(1).default(10),
    maxSteps: z.number().int().min(1).nullable().default(null),
    accumulateGradBatches: z.number().int().min(1).default(1),
    gradientClipVal: z.number().positive().nullable().default(null),
    gradientClipNorm: z.number().positive().nullable().default(null),
    checkValEveryNEpoch: z.number().int().min(1).default(1),
    /** One batch of train/val/test, one epoch, no files. `true` = 1 batch, or a batch count. */
    fastDevRun: z.union([z.boolean(), z.number().int().min(1)]).default(false),
    limitTrainBatches: limitSchema,
    limitValBatches: limitSchema,
    limitTestBatches: limitSchema,
    /** Train (and validate) on the first N training batches every epoch, unshuffled order kept by the loader. */
    overfitBatches: z.number().int().min(0).default(0),
    /** null | 'auto' | path to a .ckpt or run directory. */
    resume: z.string().nullable().default(null),
    /** OOM retries halve the micro-batch down to this size, then fail. */
    minBatchSize: z.number().int().min(1).default(1),
    ema: z
      .object({ decay: z.number().gt(0).lt(1) })
      .strict()
      .nullable()
      .default(null),
    /** Layer name patterns (`*` wildcard) whose weights get no gradient and no optimizer update. */
    freeze: z.array(z.string().min(1)).default([]),
    /** Epoch from which the `freeze` layers train too (their optimizer state starts fresh); null = never. */
    unfreezeAt: z.number().int().min(0).nullable().default(null),
    /** Metric nodes (`{_target_: accuracy}`); default: accuracy. */
    metrics: z.array(componentRef<StreamingMetric>('metrics')).optional(),
    logEveryNSteps: z.number().int().min(1).default(50),
    /** Which devices the run uses: GPU ids, or a CPU worker count. Read through `trainerDevices` (the engine's input). */
    devices: devicesSchema,
    /** Metric that decides the "best" value kept in checkpoints and FitResult. */
    monitor: z.string().default('val/accuracy'),
    /** min/max for `monitor`; default: min when the name contains "loss", else max. */
    monitorMode: z.enum(['min', 'max']).optional(),
    /** Wall time per phase (Lightning's names): simple, or advanced (+ per-kernel time); null = off. */
    profiler: z.enum(['simple', 'advanced']).nullable().default(null),
    /** Compute precision (Lightning's names; aliases 32, 16, bf16): 32-true | bf16-mixed | 16-mixed (| bf16-true: a clear error). */
    precision: precisionSchema,
    /** 16-mixed's loss scaler: clean steps before the scale doubles (GradScaler's growth_interval). */
    lossScaleGrowthInterval: z.number().int().min(1).default(2000),
  })
  .strict()
  .refine((o) => o.gradientClipVal === null || o.gradientClipNorm === null, {
    message: 'set gradientClipVal or gradientClipNorm, not both',
  });

export type TrainerOptions = z.input<typeof trainerOptionsSchema>;
export type ResolvedTrainerOptions = z.output<typeof trainerOptionsSchema>;
