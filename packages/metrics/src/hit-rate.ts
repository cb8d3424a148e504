import type { ScoresInput, TargetsInput } from './inputs';
import type { StreamingMetric } from '@kiln/contracts';

/**
 * A metric that counts hits over rows (accuracy, top-k accuracy). Its state `[hits, rows]`
 * is additive, so workers' states can be summed exactly. 0 before any update.
 */
export abstract class HitRate implements StreamingMetric {
  abstract readonly name: string;
  protected correct = 0;
  protected total = 0;

  abstract update(scores: ScoresInput, targets: TargetsInput, numClasses?: number): void;

  compute(): number {
    return this.total === 0 ? 0 : this.correct / this.total;
  }
  reset(): void {
    this.correct = 0;
    this.total = 0;
  }
  /** `[correct, total]`. */
  state(): number[] {
    return [this.correct, this.total];
  }
  merge(state: number[]): void {
    if (state.length !== 2) throw new Error(`${this.name}: merge expects [correct, total], got ${state.length} numbers`);
    this.correct += state[0];
    this.total += state[1];
  }
}
