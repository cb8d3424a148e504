import { ComponentBuilder, ConfigError, seedEverything, silentLogger, type Logger, type Registries } from '@kiln/core';
import type { DataLoader, DataModule, LossFn, Optimizer, TrainableModel } from '@kiln/trainer';

/** What one tuning trial trains: built from the composed config the way `train` builds it. */
export interface TuneParts {
  data: DataModule;
  model: TrainableModel;
  loss: LossFn;
  optimizer: Optimizer;
  /** Images in the training split, when the loader says (`size`). */
  trainSize: number | undefined;
  /** Frees the model's weights (tuning never keeps them). */
  dispose(): void;
}

export interface BuildPartsArgs {
  config: Record<string, unknown>;
  registries: Registries;
  logger?: Logger;
}

/**
 * Data (`setup('fit')`), model sized from the data, loss and optimizer from config — the same
 * nodes and order as `trainFromConfig`, without callbacks, scheduler or run directory, so a
 * tuning run writes nothing and starts from the run's seed like the real training would.
 */
export async function buildTuneParts(args: BuildPartsArgs): Promise<TuneParts> {
  const { config, registries } = args;
  const logger = args.logger ?? silentLogger;
  const seed = typeof config.seed === 'number' ? config.seed : undefined;
  if (seed !== undefined) seedEverything(seed);
  for (const key of ['data', 'model', 'loss', 'optimizer'] as const) {
    if (config[key] === undefined || config[key] === null) throw new ConfigError(`tune: the config has no '${key}' section`, { path: key });
  }
  const builder = new ComponentBuilder(registries, { logger, seed });
  const data = builder.build<DataModule>('datasets', config.data, 'data');
  await data.setup('fit');
  const model = builder.build<TrainableModel>('models', config.model, 'model', { numClasses: data.numClasses, inputShape: data.inputShape });
  const loss = builder.build<LossFn>('losses', config.loss, 'loss');
  const optimizer = builder.build<Optimizer>('optimizers', config.optimizer, 'optimizer');
  const size = (data.trainLoader() as { size?: unknown }).size;
  return {
    data: trainOnly(data),
    model,
    loss,
    optimizer,
    trainSize: typeof size === 'number' ? size : undefined,
    dispose: () => {
      optimizer.reset();
      model.net.dispose();
    },
  };
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
    trainLoader: (shard) => data.trainLoader(shard) as DataLoader,
    valLoader: () => undefined,
    testLoader: () => undefined,
    stateDict: () => data.stateDict(),
    loadStateDict: (state) => data.loadStateDict(state),
  };
}

/**
 * Trainer options for a tuning run: the configured loop settings that change what a step
 * costs or does (accumulation, clipping), nothing that writes, resumes or validates.
 */
export function tuneTrainerOptions(config: Record<string, unknown>): Record<string, unknown> {
  const t = (config.trainer ?? {}) as Record<string, unknown>;
  const options: Record<string, unknown> = {};
  for (const k of ['accumulateGradBatches', 'gradientClipVal', 'gradientClipNorm', 'minBatchSize']) if (t[k] !== undefined && t[k] !== null) options[k] = t[k];
  return options;
}
