import { ConfigError, silentLogger, validateOptions, type ComponentContext, type Logger } from '@kiln/core';
import * as tf from '@kiln/contracts/tf';
import { Accuracy } from '@kiln/metrics';
import { enterPrecision } from './precision';
import { evaluate } from './evaluate';
import { FitLoop } from './fit-loop';
import { createProfiler, finishProfile, startKernelTiming } from './profiler/profile-session';
import type { FitArgs, FitResult } from './fit-types';
import { resolveLimit } from './loop-helpers';
import { trainerOptionsSchema, type ResolvedTrainerOptions, type TrainerOptions } from './trainer-options';
import type { Communicator, DataModule, LossFn, StreamingMetric, TrainableModel } from '@kiln/contracts';

export interface EvaluateArgs {
  model: TrainableModel;
  loss: LossFn;
  metrics?: StreamingMetric[];
  data: DataModule;
  communicator?: Communicator;
}

/**
 * The training loop (not `model.fit`): forward, loss, gradients (accumulated, clipped),
 * optimizer step, LR schedule, EMA, validation, checkpoints, resume and fault handling.
 * A component like any other (`trainer: {_target_: trainer, …}`); the run container injects
 * its logger, run directory and communicator.
 */
export class Trainer {
  static readonly type = 'trainer';
  static readonly description = 'the training loop (options: packages/trainer/README.md)';
  static readonly optionsSchema = trainerOptionsSchema;
  readonly options: ResolvedTrainerOptions;
  readonly logger: Logger;
  readonly runDir: string | undefined;
  readonly communicator: Communicator | undefined;

  constructor(options: TrainerOptions = {}, context: ComponentContext = {}) {
    this.options = validateOptions(trainerOptionsSchema, options, { component: 'trainer', kind: 'trainers', path: 'trainer' });
    this.logger = context.logger ?? silentLogger;
    this.runDir = context.runDir;
    this.communicator = context.communicator as Communicator | undefined;
  }

  /** Metrics to use: explicit ones, the configured ones, or top-1 accuracy. */
  private metricsFor(explicit?: StreamingMetric[]): StreamingMetric[] {
    const list = explicit ?? this.options.metrics ?? [];
    const names = new Set<string>();
    for (const m of list) {
      if (names.has(m.name)) throw new ConfigError(`trainer.metrics: two metrics are named '${m.name}'`, { path: 'trainer.metrics' });
      names.add(m.name);
    }
    return list.length ? list : [new Accuracy()];
  }

  async fit(args: FitArgs): Promise<FitResult> {
    const profiler = args.profiler ?? createProfiler(this.options.profiler);
    const communicator = args.communicator ?? this.communicator;
    const loop = new FitLoop(
      this.options,
      { ...args, communicator, profiler },
      { logger: this.logger, runDir: this.runDir },
      this.metricsFor(args.metrics),
    );
    const distributed = !!communicator && communicator.worldSize > 1;
    // Set for the fit only: test/predict/export afterwards run fp32.
    const restorePrecision = enterPrecision(this.options.precision, { logger: this.logger, distributed, backend: tf.backend() });
    const note = startKernelTiming(profiler);
    try {
      return await loop.run();
    } finally {
      restorePrecision();
      // Also after a failure or an interrupt: where the time went is most wanted then. Rank 0 reports.
      const rank = communicator && communicator.worldSize > 1 ? communicator.rank : 0;
      const fastDev = this.options.fastDevRun !== false;
      if (rank === 0) finishProfile(profiler, { runDir: fastDev ? undefined : this.runDir, logger: this.logger, notes: note ? [note] : [] });
    }
  }

  /** One validation pass; returns `val/*` metrics. */
  async validate(args: EvaluateArgs): Promise<Record<string, number>> {
    return this.evaluateStage(args, 'fit', 'val');
  }

  /** One pass over the test split; returns `test/*` metrics. */
  async test(args: EvaluateArgs): Promise<Record<string, number>> {
    return this.evaluateStage(args, 'test', 'test');
  }

  private async evaluateStage(args: EvaluateArgs, stage: 'fit' | 'test', prefix: 'val' | 'test'): Promise<Record<string, number>> {
    await args.data.setup(stage);
    const given = args.communicator ?? this.communicator;
    const comm = given && given.worldSize > 1 ? given : undefined;
    const shard = comm ? { rank: comm.rank, worldSize: comm.worldSize } : undefined;
    const loader = prefix === 'val' ? args.data.valLoader(shard) : args.data.testLoader(shard);
    if (!loader) throw new ConfigError(`the data module has no ${prefix === 'val' ? 'validation' : 'test'} split`);
    const fastDev = this.options.fastDevRun === true ? 1 : this.options.fastDevRun === false ? 0 : this.options.fastDevRun;
    const limit = fastDev || (prefix === 'val' ? this.options.limitValBatches : this.options.limitTestBatches);
    loader.setEpoch(0);
    const metrics = await evaluate({
      net: args.model.net,
      model: args.model,
      loss: args.loss,
      metrics: this.metricsFor(args.metrics),
      loader,
      batches: resolveLimit(limit, loader.length),
      numClasses: args.data.numClasses,
      prefix,
      communicator: comm,
    });
    this.logger.info(`${prefix}: ${Object.entries(metrics).map(([k, v]) => `${k}=${v.toPrecision(4)}`).join(' ')}`);
    return metrics;
  }
}

