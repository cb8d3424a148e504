import { ComponentBuilder, ConfigError, createRunContainer, resolveUserPath, silentLogger, TOKENS, type Logger, type Registries, type RunContainer } from '@kiln/core';
import { nullProfiler, type Callback, type Communicator, type DataModule, type LossFn, type Profiler, type TrainableModel } from '@kiln/contracts';
import type { FitResult } from './fit-types';
import type { Optimizer } from './optimizers/optimizer';
import type { LrScheduler } from './schedulers/scheduler';
import type { Trainer } from './trainer';
import { createProfiler, profilerKindOf } from './profiler/profile-session';

export interface TrainFromConfigArgs {
  /** The resolved config: `data`, `model`, `loss`, `optimizer`, `scheduler`, `trainer`, `callbacks`, `seed`. */
  config: Record<string, unknown>;
  registries: Registries;
  logger?: Logger;
  /** Run directory (checkpoints, logs); absent → nothing is written. */
  runDir?: string;
  communicator?: Communicator;
  /** What the engine's init returned (registered as the run's `engine` service). */
  engine?: unknown;
  /** Where `trainer.resume: auto` looks for runs (default: config `run.root`, else `outputs`). */
  runsRoot?: string;
  /** Extra `meta` stored in checkpoints (the resolved config is always stored). */
  meta?: Record<string, unknown>;
  /** Times the run (start-up phases here, then the fit); default: from `trainer.profiler`. */
  profiler?: Profiler;
}

/** Every component of a training run, built from config through the run's container. */
export interface AssembledRun {
  data: DataModule;
  model: TrainableModel;
  loss: LossFn;
  optimizer: Optimizer;
  scheduler: LrScheduler | undefined;
  /** Config order; the map's keys name each callback's state in checkpoints. */
  callbacks: Record<string, Callback>;
  trainer: Trainer;
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

/** What the data gives the model at build time; a config check cannot know it yet. */
const FROM_DATA = ['numClasses', 'inputShape'];

/**
 * Checks every component node of a training config — registered `_target_`, known keys, valid
 * values — without building the run, touching data or writing anything (no container, no
 * seeding). `train` calls it before it creates the run directory, so a config error leaves
 * earlier runs (and `outputs/latest`) as they were.
 */
export function checkRunConfig(config: Record<string, unknown>, registries: Registries): void {
  const builder = new ComponentBuilder(registries, { logger: silentLogger });
  builder.check('datasets', config.data, 'data');
  builder.check('models', config.model, 'model', FROM_DATA);
  builder.check('losses', config.loss, 'loss');
  builder.check('optimizers', config.optimizer, 'optimizer');
  if (config.scheduler !== undefined && config.scheduler !== null) builder.check('schedulers', config.scheduler, 'scheduler');
  for (const [name, node] of Object.entries(asRecord(config.callbacks, 'callbacks'))) {
    if (node !== null && node !== false) builder.check('callbacks', node, `callbacks.${name}`);
  }
  builder.check('trainers', { _target_: 'trainer', ...asRecord(config.trainer, 'trainer') }, 'trainer');
}

/**
 * Builds the run's components by `_target_` through `run`: the data (`setup('fit')`, so the
 * model gets `numClasses`/`inputShape` from it), model, loss, optimizer, scheduler, callbacks
 * (map order = call order; a `null` entry disables one) and the trainer node (`trainer:
 * {_target_: trainer, …}`). Each receives the run's services (logger, run dir, rng, …).
 */
export async function assembleRun(run: RunContainer, profiler: Profiler = nullProfiler): Promise<AssembledRun> {
  const config = run.get(TOKENS.config);
  const logger = run.get(TOKENS.logger);
  const data = profiler.phase('startup.data_build', () => run.buildAt<DataModule>('datasets', 'data'));
  // The data module's index (CSV, labels) and its decode/verify pass: the start-up helper's phases.
  await profiler.phase('startup.data_setup', () => data.setup('fit'));
  logger.info(`data: ${data.numClasses} classes (${data.classes.slice(0, 10).join(', ')}${data.classes.length > 10 ? ', …' : ''}), input ${data.inputShape.join('×')}`);

  const model = profiler.phase('startup.model_build', () =>
    run.buildAt<TrainableModel>('models', 'model', { numClasses: data.numClasses, inputShape: data.inputShape }),
  );
  const params = model.net.countParams();
  const summary = model.summary ? `\n${model.summary()}` : '';
  logger.info(`model: ${String((config.model as Record<string, unknown>)._target_)} with ${params.toLocaleString('en-US')} parameters${summary}`);

  profiler.start('startup.components');
  const loss = run.buildAt<LossFn>('losses', 'loss');
  const optimizer = run.buildAt<Optimizer>('optimizers', 'optimizer');
  const scheduler = config.scheduler === undefined || config.scheduler === null ? undefined : run.buildAt<LrScheduler>('schedulers', 'scheduler');

  const callbacks: Record<string, Callback> = {};
  for (const [name, node] of Object.entries(asRecord(config.callbacks, 'callbacks'))) {
    if (node === null || node === false) continue;
    callbacks[name] = run.build<Callback>('callbacks', node, `callbacks.${name}`);
  }
  // Saved configs from before the trainer was a component have no `_target_`.
  const trainerNode = { _target_: 'trainer', ...asRecord(config.trainer, 'trainer') };
  const trainer = run.build<Trainer>('trainers', trainerNode, 'trainer');
  profiler.stop('startup.components');
  return { data, model, loss, optimizer, scheduler, callbacks, trainer };
}

/**
 * The library entry: a per-run container from the config and services (seeded once), every
 * component assembled through it, then `Trainer.fit`. The container is dropped afterwards,
 * so nothing carries over to the next run in the same process.
 */
export async function trainFromConfig(args: TrainFromConfigArgs): Promise<FitResult> {
  const { config, registries, runDir, communicator, engine } = args;
  const run = createRunContainer({ config, registries, logger: args.logger ?? silentLogger, runDir, communicator, engine });
  try {
    const logger = run.get(TOKENS.logger);
    const profiler = args.profiler ?? createProfiler(profilerKindOf(config.trainer));
    const { trainer, ...parts } = await assembleRun(run, profiler);
    const result = await trainer.fit({
      profiler,
      ...parts,
      runsRoot: resolveUserPath(args.runsRoot ?? runsRootOf(config)),
      meta: { config, processor: parts.data.processor?.toConfig() ?? null, classes: parts.data.classes, ...args.meta },
    });
    if (result.best) {
      logger.info(
        `best ${result.best.monitor}=${result.best.value.toPrecision(4)}${result.bestCheckpointPath ? ` (${result.bestCheckpointPath})` : ''}`,
      );
    }
    return result;
  } finally {
    run.dispose();
  }
}
