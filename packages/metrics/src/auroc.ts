import { silentLogger, z, type ComponentContext, type Logger } from '@kiln/core';
import { readLabels, readScores, safeDivide, type ScoresInput, type TargetsInput } from './inputs';
import type { StreamingMetric } from '@kiln/contracts';

const optionsSchema = z
  .object({
    /** `macro` (default), `weighted` (by true count), or `none` for one value per class. */
    average: z.enum(['macro', 'weighted', 'none']).default('macro'),
    /**
     * What `update` receives: `logits` (softmax is applied first — one-vs-rest AUROC needs
     * probabilities), `probabilities` (used as they are), or `auto`: a row that is already a
     * distribution (non-negative, sums to 1 ± 1e-3) is used as is, any other row is softmaxed.
     */
    scores: z.enum(['auto', 'logits', 'probabilities']).default('auto'),
    numClasses: z.number().int().positive().optional(),
  })
  .strict();
export type AurocOptions = z.input<typeof optionsSchema>;

/**
 * Area under the ROC curve of each class against the rest (Mann–Whitney statistic with
 * average ranks for ties, which equals the trapezoidal ROC area scikit-learn computes).
 * Keeps every (label, probabilities) row so merging workers is exact. A class without
 * positives or without negatives has no AUROC: it is skipped in the average (with a WARN)
 * and reported as NaN per class; with no defined class the result is NaN.
 *
 * State: `[k, label₀, p₀₀…p₀ₖ₋₁, label₁, …]` — NOT additive: merge concatenates rows, so
 * aggregate it with an all-gather, not a sum.
 */
function isDistribution(row: number[]): boolean {
  let sum = 0;
  for (const v of row) {
    if (!(v >= 0)) return false;
    sum += v;
  }
  return Math.abs(sum - 1) <= 1e-3;
}

export class Auroc implements StreamingMetric {
  static readonly type = 'auroc';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'One-vs-rest ROC AUC per class, averaged macro or weighted';
  readonly name: string;
  readonly options: z.output<typeof optionsSchema>;
  private readonly logger: Logger;
  private classes: number | undefined;
  private labels: number[] = [];
  private probs: number[] = [];

  constructor(options: AurocOptions = {}, context: ComponentContext = {}) {
    this.options = optionsSchema.parse(options);
    this.classes = this.options.numClasses;
    this.name = this.options.average === 'macro' ? 'auroc' : `auroc_${this.options.average === 'none' ? 'per_class' : 'weighted'}`;
    this.logger = context.logger ?? silentLogger;
  }

  private ensureClasses(k: number): void {
    if (this.classes === undefined) this.classes = k;
    else if (this.classes !== k) throw new Error(`${this.name}: got ${k} classes after ${this.classes}`);
  }

  update(scores: ScoresInput, targets: TargetsInput, numClasses?: number): void {
    const labels = readLabels(targets, undefined, this.name);
    const rows = readScores(scores, labels.length, numClasses ?? this.classes, this.name);
    this.ensureClasses(rows.k);
    readLabels(labels, rows.k, this.name);
    const { data, k } = rows;
    for (let i = 0; i < labels.length; i++) {
      this.labels.push(labels[i]);
      const row = Array.from(data.subarray(i * k, (i + 1) * k));
      if (this.options.scores === 'logits' || (this.options.scores === 'auto' && !isDistribution(row))) {
        const m = Math.max(...row);
        const e = row.map((x) => Math.exp(x - m));
        const s = e.reduce((a, b) => a + b, 0);
        for (const v of e) this.probs.push(v / s);
      } else {
        for (const v of row) this.probs.push(v);
      }
    }
  }

  /** AUROC of each class vs the rest; NaN where the class has no positives or no negatives. */
  perClass(): number[] {
    const k = this.classes ?? 0;
    const n = this.labels.length;
    const out: number[] = [];
    for (let c = 0; c < k; c++) {
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => this.probs[a * k + c] - this.probs[b * k + c]);
      let positives = 0;
      let rankSum = 0;
      for (let start = 0; start < n; ) {
        let end = start;
        const score = this.probs[order[start] * k + c];
        while (end + 1 < n && this.probs[order[end + 1] * k + c] === score) end++;
        const averageRank = (start + end) / 2 + 1;
        for (let j = start; j <= end; j++) {
          if (this.labels[order[j]] === c) {
            positives++;
            rankSum += averageRank;
          }
        }
        start = end + 1;
      }
      const negatives = n - positives;
      out.push(positives === 0 || negatives === 0 ? NaN : (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives));
    }
    return out;
  }

  compute(): number | Record<string, number> {
    const scores = this.perClass();
    if (this.options.average === 'none') return Object.fromEntries(scores.map((v, c) => [String(c), v]));
    const undefinedClasses = scores.flatMap((v, c) => (Number.isNaN(v) ? [c] : []));
    if (undefinedClasses.length && this.labels.length) {
      this.logger.warn(
        `${this.name}: class(es) ${undefinedClasses.join(', ')} have no positive or no negative rows; left out of the average`,
      );
    }
    const defined = scores.flatMap((v, c) => (Number.isNaN(v) ? [] : [c]));
    if (defined.length === 0) return NaN;
    if (this.options.average === 'weighted') {
      const k = this.classes ?? 0;
      const support = new Array<number>(k).fill(0);
      for (const y of this.labels) support[y]++;
      const weight = defined.reduce((s, c) => s + support[c], 0);
      return safeDivide(defined.reduce((s, c) => s + scores[c] * support[c], 0), weight);
    }
    return defined.reduce((s, c) => s + scores[c], 0) / defined.length;
  }

  reset(): void {
    this.labels = [];
    this.probs = [];
  }

  state(): number[] {
    if (this.classes === undefined) return [];
    const k = this.classes;
    const out: number[] = [k];
    this.labels.forEach((y, i) => out.push(y, ...this.probs.slice(i * k, (i + 1) * k)));
    return out;
  }

  merge(state: number[]): void {
    if (state.length === 0) return;
    const k = state[0];
    if (!Number.isInteger(k) || k <= 0 || (state.length - 1) % (k + 1) !== 0) {
      throw new Error(`${this.name}: merge expects [k, (label, k probabilities)…], got ${state.length} numbers`);
    }
    this.ensureClasses(k);
    for (let i = 1; i < state.length; i += k + 1) {
      this.labels.push(state[i]);
      for (let j = 1; j <= k; j++) this.probs.push(state[i + j]);
    }
  }
}
