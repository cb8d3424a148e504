import type { ScoresInput, TargetsInput } from './inputs';

/**
 * The streaming interface every metric implements (torchmetrics style). `state()` is a
 * flat array of numbers; for every metric except `auroc` it is additive (element-wise
 * sums of workers' states give the global state), so a plain all-reduce aggregates it.
 */
export interface StreamingMetric {
  /** Stable key: logged as `train/<name>`, `val/<name>`, `test/<name>`. */
  readonly name: string;
  update(scores: ScoresInput, targets: TargetsInput, numClasses?: number): void;
  compute(): number | Record<string, number>;
  reset(): void;
  state(): number[];
  merge(state: number[]): void;
}
