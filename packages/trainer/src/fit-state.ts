/** Running sums of one training epoch (loss × samples, correct predictions, samples). */
export interface EpochSums {
  loss: number;
  correct: number;
  count: number;
}

import type { GradScaler, GradScalerState } from './grad-scaler';

/** The part of the state a checkpoint's `trainState` holds. */
export type TrainState = {
  gradScaler?: GradScalerState;
  epochSums?: EpochSums;
  microBatch?: number;
  metrics?: Record<string, number>;
};

/**
 * Everything of one `fit` that changes as it runs and that a checkpoint saves and restores as a
 * whole: counters, position in the data, latest metrics, the best monitored value, the
 * micro-batch an out-of-memory retry settled on, and the current epoch's running sums.
 */
export class FitState {
  /** 0-based epoch being trained. */
  epoch = 0;
  /** Optimizer steps taken. */
  globalStep = 0;
  /** Where a checkpoint taken now resumes: epoch and batches done in it. */
  position = { epoch: 0, batchInEpoch: 0 };
  /** First batch of the current epoch (after a mid-epoch resume). */
  startBatch = 0;
  metrics: Record<string, number> = {};
  best: number | null = null;
  microBatch: number | undefined;
  epochSums: EpochSums = { loss: 0, correct: 0, count: 0 };
  shouldStop = false;
  /** 16-mixed's dynamic loss scaler (its scale is checkpointed). */
  gradScaler: GradScaler | undefined;

  trainState(): TrainState {
    return { epochSums: this.epochSums, microBatch: this.microBatch, metrics: this.metrics, gradScaler: this.gradScaler?.state() };
  }

  /** Restores the counters and `trainState` of a checkpoint taken at `epoch`/`batchInEpoch`. */
  restore(at: { epoch: number; batchInEpoch: number; globalStep: number }, ts: TrainState, best: number | null): void {
    this.epoch = at.epoch;
    this.startBatch = at.batchInEpoch;
    this.position = { epoch: at.epoch, batchInEpoch: at.batchInEpoch };
    this.globalStep = at.globalStep;
    if (best !== null) this.best = best;
    if (ts.epochSums && at.batchInEpoch > 0) this.epochSums = { ...ts.epochSums };
    if (ts.microBatch) this.microBatch = ts.microBatch;
    if (ts.metrics) this.metrics = { ...ts.metrics };
    if (ts.gradScaler && this.gradScaler) this.gradScaler.load(ts.gradScaler);
  }

  /** Keeps the monitored value when it improved. */
  updateBest(monitor: string, mode: 'min' | 'max'): void {
    const v = this.metrics[monitor];
    if (v === undefined || !Number.isFinite(v)) return;
    if (this.best === null || (mode === 'min' ? v < this.best : v > this.best)) this.best = v;
  }

  stepsDone(maxSteps: number | undefined): boolean {
    return maxSteps !== undefined && this.globalStep >= maxSteps;
  }
}
