import { argmaxRow, readLabels, readScores, safeDivide, type ScoresInput, type TargetsInput } from './inputs';

/**
 * A k×k count matrix (rows = true class, columns = predicted class). The state is the k²
 * counts row-major, so workers' states sum element-wise; k is √length.
 */
export class ConfusionCounts {
  private counts: Float64Array;

  constructor(
    private classes: number | undefined,
    private readonly metric: string,
  ) {
    this.counts = new Float64Array(classes ? classes * classes : 0);
  }

  get numClasses(): number | undefined {
    return this.classes;
  }

  /** Sets k on first use (from the option, `numClasses` or the score width) and checks it never changes. */
  private ensureClasses(k: number): void {
    if (this.classes === undefined) {
      this.classes = k;
      this.counts = new Float64Array(k * k);
    } else if (this.classes !== k) {
      throw new Error(`${this.metric}: got ${k} classes after ${this.classes}; the class count must stay the same`);
    }
  }

  update(scores: ScoresInput, targets: TargetsInput, numClasses?: number): void {
    const labels = readLabels(targets, undefined, this.metric);
    const rows = readScores(scores, labels.length, numClasses ?? this.classes, this.metric);
    this.ensureClasses(rows.k);
    readLabels(labels, rows.k, this.metric);
    for (let i = 0; i < labels.length; i++) this.counts[labels[i] * rows.k + argmaxRow(rows, i)]++;
  }

  /** Adds already-decided predictions (class ids). */
  addPredictions(labels: Int32Array, predictions: Int32Array, k: number): void {
    this.ensureClasses(k);
    readLabels(labels, k, this.metric);
    readLabels(predictions, k, this.metric);
    for (let i = 0; i < labels.length; i++) this.counts[labels[i] * k + predictions[i]]++;
  }

  reset(): void {
    this.counts.fill(0);
  }

  state(): number[] {
    return Array.from(this.counts);
  }

  merge(state: number[]): void {
    if (state.length === 0) return;
    const k = Math.round(Math.sqrt(state.length));
    if (k * k !== state.length) throw new Error(`${this.metric}: merge expects k² counts, got ${state.length} numbers`);
    this.ensureClasses(k);
    for (let i = 0; i < state.length; i++) this.counts[i] += state[i];
  }

  /** Rows = true class, columns = predicted class. */
  matrix(): number[][] {
    const k = this.classes ?? 0;
    return Array.from({ length: k }, (_, t) => Array.from(this.counts.subarray(t * k, (t + 1) * k)));
  }
}

export interface ClassStats {
  tp: number[];
  fp: number[];
  fn: number[];
  /** True count per class. */
  support: number[];
  /** Class appears among targets or predictions (sklearn averages only over those). */
  present: boolean[];
  total: number;
}

export function classStats(matrix: number[][]): ClassStats {
  const k = matrix.length;
  const tp: number[] = [], fp: number[] = [], fn: number[] = [], support: number[] = [], present: boolean[] = [];
  let total = 0;
  for (let c = 0; c < k; c++) {
    let row = 0, col = 0;
    for (let j = 0; j < k; j++) {
      row += matrix[c][j];
      col += matrix[j][c];
    }
    tp.push(matrix[c][c]);
    fn.push(row - matrix[c][c]);
    fp.push(col - matrix[c][c]);
    support.push(row);
    present.push(row + col > 0);
    total += row;
  }
  return { tp, fp, fn, support, present, total };
}

export type ScoreKind = 'precision' | 'recall' | 'f1';
export type Average = 'macro' | 'micro' | 'weighted' | 'none';

/** Per-class precision, recall or F1 with zero_division = 0. */
export function perClassScores(stats: ClassStats, kind: ScoreKind): number[] {
  return stats.tp.map((tp, c) => {
    if (kind === 'precision') return safeDivide(tp, tp + stats.fp[c]);
    if (kind === 'recall') return safeDivide(tp, tp + stats.fn[c]);
    return safeDivide(2 * tp, 2 * tp + stats.fp[c] + stats.fn[c]);
  });
}

/**
 * Averages per-class scores like scikit-learn (`labels=None`, `zero_division=0`): `macro`
 * is the plain mean over classes that occur in the targets or the predictions (a class
 * absent from both is skipped, not counted as 0); `weighted` weights by true count;
 * `micro` pools the counts (equals accuracy for single-label data).
 */
export function averageScores(stats: ClassStats, kind: ScoreKind, average: Exclude<Average, 'none'>): number {
  if (average === 'micro') {
    const tp = stats.tp.reduce((a, b) => a + b, 0);
    const fp = stats.fp.reduce((a, b) => a + b, 0);
    const fn = stats.fn.reduce((a, b) => a + b, 0);
    if (kind === 'precision') return safeDivide(tp, tp + fp);
    if (kind === 'recall') return safeDivide(tp, tp + fn);
    return safeDivide(2 * tp, 2 * tp + fp + fn);
  }
  const scores = perClassScores(stats, kind);
  if (average === 'weighted') {
    return safeDivide(scores.reduce((s, v, c) => s + v * stats.support[c], 0), stats.total);
  }
  const used = scores.filter((_, c) => stats.present[c]);
  return safeDivide(used.reduce((a, b) => a + b, 0), used.length);
}
