import { z } from '@kiln/core';
import { readLabels, readScores, type ScoresInput, type TargetsInput } from './inputs';
import { HitRate } from './hit-rate';

const optionsSchema = z.object({ k: z.number().int().positive().default(5) }).strict();
export type TopKAccuracyOptions = z.input<typeof optionsSchema>;

/**
 * Share of rows whose target is among the `k` highest scores. A target tied with other
 * scores counts as in the top k when fewer than k classes score strictly higher.
 * Named `top<k>_accuracy` (e.g. `top5_accuracy`).
 */
export class TopKAccuracy extends HitRate {
  static readonly type = 'top_k_accuracy';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Share of rows whose target is among the k highest scores';
  readonly name: string;
  readonly k: number;

  constructor(options: TopKAccuracyOptions = {}) {
    super();
    this.k = optionsSchema.parse(options).k;
    this.name = `top${this.k}_accuracy`;
  }

  update(scores: ScoresInput, targets: TargetsInput, numClasses?: number): void {
    const labels = readLabels(targets, undefined, this.name);
    const rows = readScores(scores, labels.length, numClasses, this.name);
    readLabels(labels, rows.k, this.name);
    const { data, k: classes } = rows;
    for (let i = 0; i < labels.length; i++) {
      const target = data[i * classes + labels[i]];
      let higher = 0;
      for (let j = 0; j < classes; j++) if (data[i * classes + j] > target) higher++;
      if (higher < this.k) this.correct++;
    }
    this.total += labels.length;
  }
}
