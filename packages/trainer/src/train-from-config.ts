import {
  ComponentBuilder,
  ConfigError,
  isComponentNode,
  seedEverything,
  silentLogger,
  type Logger,
  type Registries,
} from '@kiln/core';
import type { Callback } from '@kiln/contracts';
import type { FitResult } from './fit-types';
import type { Optimizer } from './optimizers/optimizer';
import type { LrScheduler } from './schedulers/scheduler';
import { Trainer } from './trainer';
import type { Communicator, DataModule, LossFn, StreamingMetric, TrainableModel } from '@kiln/contracts';

export interface TrainFromConfigArgs {
  /** The resolved config: `data`, `model`, `loss`, `optimizer`, `scheduler`, `trainer`, `callbacks`, `seed`. */
  config: Record<string, unknown>;
  registries: Registries;
  logger?: Logger;
  /** Run directory (checkpoints, logs); absent → nothing is written. */
  runDir?: string;
  communicator?: Communicator;
  /** Where `trainer.resume: auto` looks for runs (default: config `run.root`, else `outputs`). */
  runsRoot?: string;
  /** Extra `meta` stored in checkpoints (the resolved config is always stored). */
  meta?: Record<string, unknown>;
}

function asRecord(value: unknown, path: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`'${path}' must be a mapping`, { path });
  }
  return value as Record<string, unknown>;
}

/** `run.root` of the config (where run directories are created), else `outputs`. */
function runsRootOf(config: Record<string, unknown>): string {
  const run = config.run as { root?: unknown } | undefined;
  return typeof run?.root === 'string' ? run.root : 'outputs';
}

/**
 * Builds every component from a resolved config and trains: data (`setup('fit')`), then the
 * model with `numClasses`/`inputShape` from the data, loss, optimizer, scheduler, callbacks
 * (map order = call order; a `null` entry disables one), metrics; then `Trainer.fit`.
 */
export async function trainFromConfig(args: TrainFromConfigArgs): Promise<FitResult> {
  const { config, registries, runDir } = args;
  const logger = args.logger ?? silentLogger;
  const seed = typeof config.seed === 'number' ? config.seed : undefined;
  if (seed !== undefined) seedEverything(seed);
  const builder = new ComponentBuilder(registries, { logger, runDir, seed });

  const data = builder.build<DataModule>('datasets', config.data, 'data');
  await data.setup('fit');
  logger.info(`data: ${data.numClasses} classes (${data.classes.slice(0, 10).join(', ')}${data.classes.length > 10 ? ', …' : ''}), input ${data.inputShape.join('×')}`);

  const model = builder.build<TrainableModel>('models', config.model, 'model', {
    numClasses: data.numClasses,
    inputShape: data.inputShape,
  });
  const params = model.net.countParams();
  const summary = model.summary ? `\n${model.summary()}` : '';
  logger.info(`model: ${String((config.model as Record<string, unknown>)._target_)} with ${params.toLocaleString('en-US')} parameters${summary}`);

  const loss = builder.build<LossFn>('losses', config.loss, 'loss');
  const optimizer = builder.build<Optimizer>('optimizers', config.optimizer, 'optimizer');
  const scheduler =
    config.scheduler === undefined || config.scheduler === null
      ? undefined
      : builder.build<LrScheduler>('schedulers', config.scheduler, 'scheduler');

  const callbacks: Record<string, Callback> = {};
  for (const [name, node] of Object.entries(asRecord(config.callbacks, 'callbacks'))) {
    if (node === null || node === false) continue;
    callbacks[name] = builder.build<Callback>('callbacks', node, `callbacks.${name}`);
  }

  const trainerNode = { ...asRecord(config.trainer, 'trainer') };
  const metricNodes = trainerNode.metrics;
  delete trainerNode.metrics;
  let metrics: StreamingMetric[];
  if (metricNodes === undefined || metricNodes === null) {
    metrics = registries.metrics.has('accuracy') ? [builder.build<StreamingMetric>('metrics', { _target_: 'accuracy' }, 'trainer.metrics.0')] : [];
  } else if (!Array.isArray(metricNodes)) {
    throw new ConfigError(`'trainer.metrics' must be a list of metric nodes ({_target_: accuracy})`, { path: 'trainer.metrics' });
  } else {
    metrics = metricNodes.map((node, i) => {
      if (!isComponentNode(node)) throw new ConfigError(`'trainer.metrics.${i}' needs a _target_`, { path: `trainer.metrics.${i}` });
      return builder.build<StreamingMetric>('metrics', node, `trainer.metrics.${i}`);
    });
  }
  const trainer = new Trainer({ ...trainerNode, metrics } as never, { logger, runDir });

  const processor = (data as { processor?: { toConfig?: () => unknown } }).processor;
  const result = await trainer.fit({
    model,
    loss,
    optimizer,
    scheduler,
    metrics: metrics.length ? metrics : undefined,
    data,
    callbacks,
    communicator: args.communicator,
    runsRoot: args.runsRoot ?? runsRootOf(config),
    meta: { config, processor: processor?.toConfig?.() ?? null, classes: data.classes, ...args.meta },
  });
  if (result.best) {
    logger.info(
      `best ${result.best.monitor}=${result.best.value.toPrecision(4)}${result.bestCheckpointPath ? ` (${result.bestCheckpointPath})` : ''}`,
    );
  }
  return result;
}
