import type { Logger } from '@kiln/core';

/** What callbacks may read (and the few things they may set) while the trainer runs. */
export interface TrainerView {
  readonly epoch: number; // 0-based current epoch
  readonly globalStep: number; // optimizer steps taken so far
  readonly maxEpochs: number;
  readonly maxSteps: number | undefined;
  readonly trainBatchesPerEpoch: number;
  readonly valBatchesPerEpoch: number;
  /** Latest value of every logged metric: `train/loss`, `val/loss`, `val/accuracy`, `lr`, … */
  readonly metrics: Readonly<Record<string, number>>;
  readonly learningRate: number;
  /** The metric that decides "best" (configured once, as `trainer.monitor`) and its direction. */
  readonly monitor: string;
  readonly monitorMode: 'min' | 'max';
  /** Absent in `fastDevRun` and tests: callbacks that write files then do nothing. */
  readonly runDir: string | undefined;
  /** Only rank 0 writes files and logs in data-parallel runs. */
  readonly isGlobalZero: boolean;
  readonly logger: Logger;
  /** Set to true to stop after the current epoch (early stopping). */
  shouldStop: boolean;
  /** Writes a full checkpoint (weights, optimizer, scheduler, counters, RNG, callbacks) atomically. */
  saveCheckpoint(path: string): Promise<void>;
  /** Current weights as named arrays (for "restore best weights"). */
  getWeights(): Map<string, Float32Array>;
  setWeights(weights: Map<string, Float32Array>): void;
}

export interface TrainBatchEnd {
  batchIdx: number;
  batchSize: number;
  loss: number;
}

/** What one finished epoch logged (`onEpochEnd`). */
export interface EpochEnd {
  epoch: number; // 0-based
  step: number; // global step at the end of its training
  /** Fresh values only: `lr`, the epoch's `train/*` and, when validation ran, its `val/*`. */
  metrics: Record<string, number>;
  validated: boolean;
}

/**
 * Base class of trainer callbacks. Every hook is an optional no-op; the trainer calls
 * them through `callHook` in the order the callbacks appear in config.
 */
export abstract class Callback {
  /** Before the first epoch (after a resume has been restored). */
  onFitStart?(trainer: TrainerView): void | Promise<void>;
  /** At the start of each training epoch. */
  onTrainEpochStart?(trainer: TrainerView): void | Promise<void>;
  /** After each optimizer step's batch; `loss` is the batch's mean loss. */
  onTrainBatchEnd?(trainer: TrainerView, batch: TrainBatchEnd): void | Promise<void>;
  /** After the last batch of a training epoch; `metrics` are the epoch's `train/*` values. */
  onTrainEpochEnd?(trainer: TrainerView, metrics: Record<string, number>): void | Promise<void>;
  /** Before a validation pass. */
  onValidationStart?(trainer: TrainerView): void | Promise<void>;
  /** After a validation pass; `metrics` holds `val/*` values aggregated over all workers. */
  onValidationEnd?(trainer: TrainerView, metrics: Record<string, number>): void | Promise<void>;
  /** Once per epoch when it is complete: after its validation, or after its training when it did not validate. */
  onEpochEnd?(trainer: TrainerView, epoch: EpochEnd): void | Promise<void>;
  /** After training finished normally (also after early stopping). */
  onFitEnd?(trainer: TrainerView): void | Promise<void>;
  /** When training fails or is interrupted; `error` is what stopped it. */
  onException?(trainer: TrainerView, error: unknown): void | Promise<void>;
  /** Serialisable state stored in checkpoints. */
  stateDict?(): Record<string, unknown>;
  /** Restores what `stateDict` returned. */
  loadStateDict?(state: Record<string, unknown>): void;
}

export type HookName = Exclude<keyof Callback, 'stateDict' | 'loadStateDict'>;

/** Calls `hook` on every callback that defines it, in order (config order), awaiting each. */
export async function callHook<H extends HookName>(
  callbacks: readonly Callback[],
  hook: H,
  ...args: Parameters<NonNullable<Callback[H]>>
): Promise<void> {
  for (const cb of callbacks) {
    const fn = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
    if (fn) await fn.apply(cb, args);
  }
}

/**
 * A callback that writes model checkpoints and can say where the best and last ones are.
 * The trainer finds it by this shape (`isCheckpointCallback`), not by a class name.
 */
export interface CheckpointCallback {
  readonly writesCheckpoints: true;
  readonly bestModelPath: string | undefined;
  readonly lastModelPath: string | undefined;
}

export function isCheckpointCallback<T>(value: T): value is T & CheckpointCallback {
  return typeof value === 'object' && value !== null && (value as { writesCheckpoints?: unknown }).writesCheckpoints === true;
}
