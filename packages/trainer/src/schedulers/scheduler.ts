import { z } from '@kiln/core';

/** What a schedule needs to know about the run; set once before training starts. */
export interface ScheduleContext {
  baseLr: number;
  /** Optimizer steps in the whole run (`maxSteps` or epochs × steps per epoch). */
  totalSteps: number;
  totalEpochs: number;
  stepsPerEpoch: number;
}

/**
 * An LR schedule. The trainer sets `optimizer.lr = lrAt(t)` before each optimizer step
 * (`interval: step`, t = global step, 0-based) or at each epoch start (`interval: epoch`,
 * t = epoch, 0-based). Position-only schedules are pure, so resume needs no state.
 */
export interface LrScheduler {
  readonly interval: 'step' | 'epoch';
  setup(context: ScheduleContext): void;
  lrAt(t: number): number;
  /** Called with the metrics after each validation (reduce_on_plateau uses it). */
  observe?(metrics: Readonly<Record<string, number>>): void;
  stateDict(): Record<string, unknown>;
  loadStateDict(state: Record<string, unknown>): void;
}

export const intervalSchema = z.enum(['step', 'epoch']);

/** Holds the context; subclasses implement the closed-form `lrAt`. */
export abstract class PositionScheduler implements LrScheduler {
  abstract readonly interval: 'step' | 'epoch';
  protected context: ScheduleContext = { baseLr: 0, totalSteps: 1, totalEpochs: 1, stepsPerEpoch: 1 };

  setup(context: ScheduleContext): void {
    this.context = { ...context };
  }
  abstract lrAt(t: number): number;
  /** Length of the run in this schedule's unit. */
  protected get total(): number {
    return this.interval === 'step' ? this.context.totalSteps : this.context.totalEpochs;
  }
  stateDict(): Record<string, unknown> {
    return {};
  }
  loadStateDict(_state: Record<string, unknown>): void {}
}
