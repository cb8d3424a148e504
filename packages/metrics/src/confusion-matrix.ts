import { z } from '@kiln/core';
import { ConfusionCounts } from './confusion-counts';
import type { ScoresInput, TargetsInput } from './inputs';
import type { StreamingMetric } from '@kiln/contracts';

const optionsSchema = z
  .object({
    /** Fixes the class count up front (otherwise taken from the first update). */
    numClasses: z.number().int().positive().optional(),
  })
  .strict();
export type ConfusionMatrixOptions = z.input<typeof optionsSchema>;

/**
 * Streaming confusion matrix. `matrix()` gives rows = true class, columns = predicted
 * class; `compute()` flattens it to `{ '<true>_<pred>': count }` so metric loggers can
 * record it like any other dict metric.
 */
export class ConfusionMatrix implements StreamingMetric {
  static readonly type = 'confusion_matrix';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Confusion matrix counts (rows = true class, columns = predicted class)';
  readonly name = 'confusion_matrix';
  private readonly counts: ConfusionCounts;

  constructor(options: ConfusionMatrixOptions = {}) {
    this.counts = new ConfusionCounts(optionsSchema.parse(options).numClasses, this.name);
  }

  update(scores: ScoresInput, targets: TargetsInput, numClasses?: number): void {
    this.counts.update(scores, targets, numClasses);
  }
  /** Adds class-id predictions directly (when scores are not at hand). */
  updatePredictions(targets: Int32Array, predictions: Int32Array, numClasses: number): void {
    this.counts.addPredictions(targets, predictions, numClasses);
  }
  matrix(): number[][] {
    return this.counts.matrix();
  }
  compute(): Record<string, number> {
    const out: Record<string, number> = {};
    this.matrix().forEach((row, t) => row.forEach((v, p) => (out[`${t}_${p}`] = v)));
    return out;
  }
  reset(): void {
    this.counts.reset();
  }
  state(): number[] {
    return this.counts.state();
  }
  merge(state: number[]): void {
    this.counts.merge(state);
  }
}
