import { ConfigError, createRunContainer, silentLogger, type Logger, type Registries } from '@kiln/core';
import { assembleRun, type AssembledRun } from '@kiln/trainer';

type DataModule = AssembledRun['data'];

/** What one tuning run trains: the run's own components, assembled as `train` assembles them. */
export interface TuneParts {
  data: DataModule;
  model: AssembledRun['model'];
  loss: AssembledRun['loss'];
  optimizer: AssembledRun['optimizer'];
  /** The config's trainer with the tuning settings (see `tuneConfig`). */
  trainer: AssembledRun['trainer'];
  /** Images in the training split, when the loader says (`size`). */
  trainSize: number | undefined;
  /** Frees the model's weights and the optimizer's slots (tuning never keeps them). */
  dispose(): void;
}

export interface BuildPartsArgs {
  config: Record<string, unknown>;
  registries: Registries;
  logger?: Logger;
  /** What the engine's init returned (the run's `engine` service). */
  engine?: unknown;
  /** Optimizer steps the tuning trainer runs. */
  maxSteps: number;
  /** Pins the trainer's OOM retry floor (batch-size tries must fail, not split the batch). */
  minBatchSize?: number;
}

/** Trainer settings of a tuning run: `maxSteps` steps, nothing that validates, resumes, writes or limits batches. */
const TUNE_TRAINER: Record<string, unknown> = {
  maxEpochs: 1_000_000,
  fastDevRun: false,
  limitTrainBatches: null,
  overfitBatches: 0,
  resume: null,
  ema: null,
  logEveryNSteps: 1_000_000,
};

/**
 * The run's config made into a tuning run: no callbacks (no checkpoints or logs), no scheduler
 * (the LR sweep brings its own), the trainer capped at `maxSteps`. Loop settings that change what
 * a step costs or does (accumulation, clipping, metrics) stay as configured.
 */
export function tuneConfig(config: Record<string, unknown>, maxSteps: number, minBatchSize?: number): Record<string, unknown> {
  for (const key of ['data', 'model', 'loss', 'optimizer'] as const) {
    if (config[key] === undefined || config[key] === null) throw new ConfigError(`tune: the config has no '${key}' section`, { path: key });
  }
  const trainer = { ...((config.trainer ?? {}) as Record<string, unknown>), ...TUNE_TRAINER, maxSteps, ...(minBatchSize ? { minBatchSize } : {}) };
  return { ...config, callbacks: {}, scheduler: null, trainer };
}

/**
 * Data (`setup('fit')`), model sized from the data, loss, optimizer and trainer, through the
 * run's container (`assembleRun`, seeded from the run's seed like the real training) with no
 * run directory, so a tuning run writes nothing.
 */
export async function buildTuneParts(args: BuildPartsArgs): Promise<TuneParts> {
  const config = tuneConfig(args.config, args.maxSteps, args.minBatchSize);
  const run = createRunContainer({ config, registries: args.registries, logger: args.logger ?? silentLogger, engine: args.engine });
  try {
    const { data, model, loss, optimizer, trainer } = await assembleRun(run);
    const size = (data.trainLoader() as { size?: unknown }).size;
    return {
      data: trainOnly(data),
      model,
      loss,
      optimizer,
      trainer,
      trainSize: typeof size === 'number' ? size : undefined,
      dispose: () => {
        optimizer.reset();
        model.net.dispose();
      },
    };
  } finally {
    run.dispose();
  }
}

/** The data module without val/test loaders: tuning steps never validate. */
export function trainOnly(data: DataModule): DataModule {
  return {
    setup: (stage) => data.setup(stage),
    get classes() {
      return data.classes;
    },
    get numClasses() {
      return data.numClasses;
    },
    get inputShape() {
      return data.inputShape;
    },
    get processor() {
      return data.processor;
    },
    trainLoader: (shard) => data.trainLoader(shard),
    valLoader: () => undefined,
    testLoader: () => undefined,
    stateDict: () => data.stateDict(),
    loadStateDict: (state) => data.loadStateDict(state),
  };
}
