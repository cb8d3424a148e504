import { z } from '@kiln/core';
import { argmaxRow, readLabels, readScores, type ScoresInput, type TargetsInput } from './inputs';
import type { StreamingMetric } from './streaming-metric';

const optionsSchema = z.object({}).strict();
export type AccuracyOptions = z.input<typeof optionsSchema>;

/** Top-1 accuracy: the share of rows whose argmax is the target. 0 before any update. */
export class Accuracy implements StreamingMetric {
  static readonly type = 'accuracy';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Top-1 accuracy (share of rows whose highest score is the target)';
  readonly name = 'accuracy';
  private correct = 0;
  private total = 0;

  constructor(options: AccuracyOptions = {}) {
    optionsSchema.parse(options);
  }

  update(scores: ScoresInput, targets: TargetsInput, numClasses?: number): void {
    const labels = readLabels(targets, undefined, this.name);
    const rows = readScores(scores, labels.length, numClasses, this.name);
    readLabels(labels, rows.k, this.name);
    for (let i = 0; i < labels.length; i++) if (argmaxRow(rows, i) === labels[i]) this.correct++;
    this.total += labels.length;
  }
  compute(): number {
    return this.total === 0 ? 0 : this.correct / this.total;
  }
  reset(): void {
    this.correct = 0;
    this.total = 0;
  }
  /** `[correct, total]`: additive, so workers' states can be summed. */
  state(): number[] {
    return [this.correct, this.total];
  }
  merge(state: number[]): void {
    if (state.length !== 2) throw new Error(`${this.name}: merge expects [correct, total], got ${state.length} numbers`);
    this.correct += state[0];
    this.total += state[1];
  }
}
