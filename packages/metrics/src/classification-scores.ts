import { z } from '@kiln/core';
import {
  averageScores,
  classStats,
  ConfusionCounts,
  perClassScores,
  type Average,
  type ScoreKind,
} from './confusion-counts';
import type { ScoresInput, TargetsInput } from './inputs';
import type { StreamingMetric } from '@kiln/contracts';

const optionsSchema = z
  .object({
    /** `macro` (default), `micro`, `weighted`, or `none` for one value per class. */
    average: z.enum(['macro', 'micro', 'weighted', 'none']).default('macro'),
    /** Fixes the class count up front (otherwise taken from the first update). */
    numClasses: z.number().int().positive().optional(),
  })
  .strict();
export type ClassificationScoreOptions = z.input<typeof optionsSchema>;

/**
 * Shared body of precision / recall / F1: a streaming confusion matrix, scored on
 * `compute()`. Name: `<kind>` for macro, `<kind>_<average>` otherwise
 * (`f1_micro`, `f1_weighted`, `f1_per_class`). With `average: none`, `compute()` gives
 * `{ '0': …, '1': … }` keyed by class id (logged as `val/f1_per_class/0`).
 */
abstract class ClassificationScore implements StreamingMetric {
  readonly name: string;
  readonly average: Average;
  private readonly counts: ConfusionCounts;

  protected constructor(
    private readonly kind: ScoreKind,
    options: ClassificationScoreOptions,
  ) {
    const parsed = optionsSchema.parse(options);
    this.average = parsed.average;
    this.name = parsed.average === 'macro' ? kind : `${kind}_${parsed.average === 'none' ? 'per_class' : parsed.average}`;
    this.counts = new ConfusionCounts(parsed.numClasses, this.name);
  }

  update(scores: ScoresInput, targets: TargetsInput, numClasses?: number): void {
    this.counts.update(scores, targets, numClasses);
  }

  /** One value per class (zero_division = 0). */
  perClass(): number[] {
    return perClassScores(classStats(this.counts.matrix()), this.kind);
  }

  compute(): number | Record<string, number> {
    if (this.average === 'none') return Object.fromEntries(this.perClass().map((v, c) => [String(c), v]));
    return averageScores(classStats(this.counts.matrix()), this.kind, this.average);
  }

  reset(): void {
    this.counts.reset();
  }
  /** The k² confusion counts (additive). */
  state(): number[] {
    return this.counts.state();
  }
  merge(state: number[]): void {
    this.counts.merge(state);
  }
}

export class Precision extends ClassificationScore {
  static readonly type = 'precision';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Precision tp/(tp+fp), averaged macro / micro / weighted or per class';
  constructor(options: ClassificationScoreOptions = {}) {
    super('precision', options);
  }
}

export class Recall extends ClassificationScore {
  static readonly type = 'recall';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Recall tp/(tp+fn), averaged macro / micro / weighted or per class';
  constructor(options: ClassificationScoreOptions = {}) {
    super('recall', options);
  }
}

export class F1Score extends ClassificationScore {
  static readonly type = 'f1';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'F1 2tp/(2tp+fp+fn), averaged macro / micro / weighted or per class';
  constructor(options: ClassificationScoreOptions = {}) {
    super('f1', options);
  }
}
