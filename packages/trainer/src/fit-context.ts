import type * as tf from '@tensorflow/tfjs';
import { silentLogger, type Logger } from '@kiln/core';
import { nullProfiler, type Callback, type Communicator, type Profiler, type StreamingMetric } from '@kiln/contracts';
import type { FitArgs } from './fit-types';
import { defaultMonitorMode } from './loop-helpers';
import type { ResolvedTrainerOptions } from './trainer-options';
import { FreezePlan } from './freeze';
import { trainableVariables } from './weights';

/** What one `fit` call works with and never changes while it runs (the components and settings). */
export interface FitContext {
  readonly o: ResolvedTrainerOptions;
  readonly args: FitArgs;
  readonly net: tf.LayersModel;
  readonly vars: Map<string, tf.Variable>;
  /** `trainer.freeze` / `unfreezeAt`: which of `vars` train in an epoch. */
  readonly freeze: FreezePlan;
  /** Config order; the names key each callback's state in checkpoints. */
  readonly callbacks: ReadonlyArray<readonly [string, Callback]>;
  readonly cbs: readonly Callback[];
  readonly metrics: StreamingMetric[];
  readonly logger: Logger;
  /** Only when world size > 1. */
  readonly comm: Communicator | undefined;
  readonly rank: number;
  readonly worldSize: number;
  /** Batches of train/val in a fast dev run (0: off). */
  readonly fastDev: number;
  readonly maxEpochs: number;
  readonly maxSteps: number | undefined;
  /** Where callbacks may write: none in a fast dev run. */
  readonly runDir: string | undefined;
  /** `trainer.monitor`: the one place the monitored metric is configured. */
  readonly monitor: string;
  readonly monitorMode: 'min' | 'max';
  /** `nullProfiler` unless the run is profiled. */
  readonly profiler: Profiler;
}

function namedCallbacks(callbacks: FitArgs['callbacks']): Array<[string, Callback]> {
  if (!callbacks) return [];
  if (!Array.isArray(callbacks)) return Object.entries(callbacks);
  const seen = new Map<string, number>();
  return callbacks.map((cb) => {
    const base = (cb.constructor as { type?: string }).type ?? cb.constructor.name;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return [n ? `${base}_${n}` : base, cb];
  });
}

export function createFitContext(
  o: ResolvedTrainerOptions,
  args: FitArgs,
  services: { logger?: Logger; runDir?: string },
  metrics: StreamingMetric[],
): FitContext {
  const callbacks = namedCallbacks(args.callbacks);
  const comm = args.communicator && args.communicator.worldSize > 1 ? args.communicator : undefined;
  const rank = comm?.rank ?? 0;
  const fastDev = o.fastDevRun === true ? 1 : o.fastDevRun === false ? 0 : o.fastDevRun;
  const vars = trainableVariables(args.model.net);
  return {
    o,
    args,
    net: args.model.net,
    vars,
    freeze: new FreezePlan(vars, args.model.net, o.freeze, o.unfreezeAt),
    callbacks,
    cbs: callbacks.map(([, cb]) => cb),
    metrics,
    logger: rank === 0 ? (services.logger ?? silentLogger) : silentLogger,
    comm,
    rank,
    worldSize: comm?.worldSize ?? 1,
    fastDev,
    maxEpochs: fastDev ? 1 : o.maxEpochs,
    maxSteps: fastDev ? undefined : (o.maxSteps ?? undefined),
    runDir: fastDev ? undefined : services.runDir,
    monitor: o.monitor,
    monitorMode: o.monitorMode ?? defaultMonitorMode(o.monitor),
    profiler: args.profiler ?? nullProfiler,
  };
}
