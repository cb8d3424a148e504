import type { ConfigSchemaOptions } from '@kiln/core';
import { BACKEND_CHOICES } from '@kiln/engine';
import { trainerOptionsSchema } from '@kiln/trainer';
import { PARALLEL_CHOICES } from './mpi-launch';

/** What each `trainer:` option does, for editors (the options' schema lives in @kiln/trainer). */
const TRAINER_DESCRIPTIONS: Record<string, string> = {
  maxEpochs: 'epochs to train',
  maxSteps: 'stop after this many optimizer steps (overrides maxEpochs when reached first); null = no limit',
  accumulateGradBatches: 'one optimizer step every N batches (gradients summed in between)',
  gradientClipVal: 'clip each gradient element to [-v, v]; null = off',
  gradientClipNorm: 'clip the global gradient L2 norm to this; null = off (use one of the two clips)',
  checkValEveryNEpoch: 'validate every N epochs',
  fastDevRun: 'smoke test: true = 1 batch of train/val/test and 1 epoch, N = N batches; no files written',
  limitTrainBatches: 'train batches per epoch: null = all, an integer = that many, 0..1 = that fraction',
  limitValBatches: 'validation batches: null = all, an integer = that many, 0..1 = that fraction',
  limitTestBatches: 'test batches: null = all, an integer = that many, 0..1 = that fraction',
  overfitBatches: 'N > 0: train and validate on the same first N training batches',
  resume: "null | 'auto' (the latest run's last.ckpt) | path to a .ckpt or run directory",
  minBatchSize: 'out-of-memory retries halve the micro-batch down to this size, then fail',
  ema: 'exponential moving average of the weights for validation and checkpoints, e.g. {decay: 0.999}; null = off',
  freeze: "layer name patterns ('*' wildcard, e.g. [stem*, stage1*]) whose weights get no gradient and no optimizer update",
  unfreezeAt: 'epoch from which the freeze layers train too (fresh optimizer state for them); null = never',
  metrics: 'metric nodes ({_target_: accuracy}, {_target_: f1, average: macro}); default: accuracy',
  logEveryNSteps: 'log train metrics every N optimizer steps',
  devices: 'GPU ids (a list) or a CPU data-parallel worker count (a number); null = one process. Same as --gpus / --workers',
  monitor: "the metric that decides the 'best' value and checkpoint, e.g. val/accuracy",
  monitorMode: "min or max for monitor; default: min when its name contains 'loss', else max",
  precision: "compute precision (Lightning's names): 32-true, bf16-mixed (bf16 convs/matmuls on oneDNN, fp32 weights), 16-mixed (emulated fp16 + dynamic loss scaling); aliases 32, bf16, 16. bf16-true: not supported (a clear error)",
  lossScaleGrowthInterval: '16-mixed: clean optimizer steps before the loss scale doubles (GradScaler growth_interval)',
  profiler: 'wall time per phase, printed at the end and written to the run folder (profile.txt, profile.json): simple, advanced (+ per-kernel native time); null = off',
};

/**
 * What the CLI adds to core's schema generator: the sections that are not registered
 * components (trainer, engine) and the model options the trainer fills in from the data.
 */
export function configSchemaOptions(): ConfigSchemaOptions {
  return { sections: configSchemaSections(), injected: { models: ['numClasses', 'inputShape'] } };
}

/** Sections of the training config that are not registered components: trainer and engine. */
export function configSchemaSections(): NonNullable<ConfigSchemaOptions['sections']> {
  return {
    trainer: {
      schema: trainerOptionsSchema,
      target: 'trainer',
      description: 'the training loop (configs/trainer/, packages/trainer/README.md)',
      descriptions: TRAINER_DESCRIPTIONS,
    },
    engine: {
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: {
          backend: { enum: [...BACKEND_CHOICES], default: 'auto' },
          parallel: { enum: [...PARALLEL_CHOICES], default: 'auto' },
          bucketMB: { type: ['number', 'null'], exclusiveMinimum: 0, default: null },
        },
      },
      description: 'compute backend (devices: trainer.devices / --gpus / --workers)',
      descriptions: {
        backend: 'tfjs backend: auto picks the fastest available (native, then tensorflow, wasm, cpu)',
        parallel: '--gpus/--workers on one host: auto = MPI (mpirun) when installed, else local IPC workers; mpi | ipc force one',
        bucketMB: 'MPI gradient fusion: gradients are all-reduced in fused buckets of this many MiB (Horovod-style); null = 64 MiB or KILN_MPI_BUCKET_BYTES',
      },
    },
  };
}
