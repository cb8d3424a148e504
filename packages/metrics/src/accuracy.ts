import { z } from '@kiln/core';
import { argmaxRow, readLabels, readScores, type ScoresInput, type TargetsInput } from './inputs';
import { HitRate } from './hit-rate';

const optionsSchema = z.object({}).strict();
export type AccuracyOptions = z.input<typeof optionsSchema>;

/** Top-1 accuracy: the share of rows whose argmax is the target. 0 before any update. */
export class Accuracy extends HitRate {
  static readonly type = 'accuracy';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Top-1 accuracy (share of rows whose highest score is the target)';
  readonly name = 'accuracy';

  constructor(options: AccuracyOptions = {}) {
    super();
    optionsSchema.parse(options);
  }

  update(scores: ScoresInput, targets: TargetsInput, numClasses?: number): void {
    const labels = readLabels(targets, undefined, this.name);
    const rows = readScores(scores, labels.length, numClasses, this.name);
    readLabels(labels, rows.k, this.name);
    for (let i = 0; i < labels.length; i++) if (argmaxRow(rows, i) === labels[i]) this.correct++;
    this.total += labels.length;
  }
}
