import type { TrainerView } from '@kiln/trainer';

/** What one finished epoch logged. */
export interface EpochRecord {
  epoch: number; // 0-based
  step: number; // global step at the end of its training
  /** Fresh values only: `lr`, the epoch's `train/*` and, when validation ran, its `val/*`. */
  metrics: Record<string, number>;
  validated: boolean;
}

/** Counters the trainer keeps among its metrics; they are columns/axes, not metrics. */
const COUNTERS = new Set(['epoch', 'step']);

/** The trainer's latest metrics without counters and without stale validation values. */
export function freshMetrics(trainer: TrainerView): Record<string, number> {
  return Object.fromEntries(Object.entries(trainer.metrics).filter(([k]) => !COUNTERS.has(k) && !k.startsWith('val/')));
}

/**
 * Tells epoch-level callbacks when an epoch is complete. Validation may run every epoch, every N
 * epochs (`checkValEveryNEpoch`) or never, so an epoch is complete after its validation, at its
 * train end when there is no validation data, or else when the next epoch starts or the fit ends.
 */
export class EpochEndTracker {
  private pending: EpochRecord | undefined;

  /** Call from `onTrainEpochEnd`; returns the record when the epoch is already complete. */
  trainEnded(trainer: TrainerView, trainMetrics: Record<string, number>): EpochRecord | undefined {
    this.pending = {
      epoch: trainer.epoch,
      step: trainer.globalStep,
      metrics: { ...freshMetrics(trainer), ...withoutCounters(trainMetrics) },
      validated: false,
    };
    return trainer.valBatchesPerEpoch === 0 ? this.take() : undefined;
  }

  /** Call from `onValidationEnd`. */
  validationEnded(trainer: TrainerView, valMetrics: Record<string, number>): EpochRecord {
    const base = this.pending ?? { epoch: trainer.epoch, step: trainer.globalStep, metrics: freshMetrics(trainer), validated: false };
    this.pending = undefined;
    return { ...base, metrics: { ...base.metrics, ...withoutCounters(valMetrics) }, validated: true };
  }

  /** Call from `onTrainEpochStart` and `onFitEnd`: the previous epoch if it ended without validation. */
  flush(): EpochRecord | undefined {
    return this.take();
  }

  private take(): EpochRecord | undefined {
    const record = this.pending;
    this.pending = undefined;
    return record;
  }
}

function withoutCounters(metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([k]) => !COUNTERS.has(k)));
}
