import type { Callback } from '@kiln/contracts';
import type { Optimizer } from './optimizers/optimizer';
import type { LrScheduler } from './schedulers/scheduler';
import type { Communicator, DataModule, LossFn, Profiler, StreamingMetric, TrainableModel } from '@kiln/contracts';

export interface FitArgs {
  model: TrainableModel;
  loss: LossFn;
  optimizer: Optimizer;
  scheduler?: LrScheduler | null;
  /** Validation metrics (default: top-1 accuracy). */
  metrics?: StreamingMetric[];
  data: DataModule;
  /** In call order; a map's keys name each callback's state in checkpoints. */
  callbacks?: Callback[] | Record<string, Callback>;
  communicator?: Communicator;
  /** Stored as `meta` in every checkpoint (the CLI puts the resolved config here). */
  meta?: Record<string, unknown>;
  /** Where `resume: auto` looks for runs (default `outputs`). */
  runsRoot?: string;
  /** Times the run's phases (the CLI passes the one that timed start-up); default: from `trainer.profiler`. */
  profiler?: Profiler;
}

export interface FitResult {
  /** Latest value of every logged metric. */
  metrics: Record<string, number>;
  epochsCompleted: number;
  globalStep: number;
  /** The best value of `trainer.monitor`, when it was logged. */
  best?: { monitor: string; mode: 'min' | 'max'; value: number };
  /** Reported by the checkpoint callback (`isCheckpointCallback`), when there is one. */
  bestCheckpointPath?: string;
  lastCheckpointPath?: string;
  resumedFrom?: string;
  stoppedEarly: boolean;
}
