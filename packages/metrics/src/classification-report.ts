import { averageScores, classStats, perClassScores } from './confusion-counts';
import { safeDivide } from './inputs';

export interface ClassReportRow {
  class: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  classes: ClassReportRow[];
  accuracy: number;
  /** Unweighted mean over classes present in targets or predictions (sklearn). */
  macro: Omit<ClassReportRow, 'class'>;
  /** Mean weighted by support. */
  weighted: Omit<ClassReportRow, 'class'>;
  total: number;
}

/**
 * Per-class precision / recall / F1 / support plus accuracy and macro / weighted averages
 * from a confusion matrix (rows = true, columns = predicted), like scikit-learn's
 * `classification_report` with `zero_division=0`.
 */
export function classificationReport(confusion: number[][], classes: string[]): ClassificationReport {
  const k = confusion.length;
  if (classes.length !== k) throw new Error(`classificationReport: ${classes.length} class names for a ${k}×${k} matrix`);
  confusion.forEach((row, i) => {
    if (row.length !== k) throw new Error(`classificationReport: row ${i} has ${row.length} columns, expected ${k}`);
  });
  const stats = classStats(confusion);
  const [p, r, f] = (['precision', 'recall', 'f1'] as const).map((kind) => perClassScores(stats, kind));
  const correct = stats.tp.reduce((a, b) => a + b, 0);
  const summary = (average: 'macro' | 'weighted') => ({
    precision: averageScores(stats, 'precision', average),
    recall: averageScores(stats, 'recall', average),
    f1: averageScores(stats, 'f1', average),
    support: stats.total,
  });
  return {
    classes: classes.map((name, c) => ({ class: name, precision: p[c], recall: r[c], f1: f[c], support: stats.support[c] })),
    accuracy: safeDivide(correct, stats.total),
    macro: summary('macro'),
    weighted: summary('weighted'),
    total: stats.total,
  };
}

/** Plain-text table in the layout of scikit-learn's report. */
export function formatClassificationReport(report: ClassificationReport, digits = 4): string {
  const width = Math.max(12, ...report.classes.map((c) => c.class.length));
  const num = (v: number) => v.toFixed(digits).padStart(10);
  const header = `${''.padStart(width)} ${'precision'.padStart(10)} ${'recall'.padStart(10)} ${'f1-score'.padStart(10)} ${'support'.padStart(10)}`;
  const line = (name: string, r: Omit<ClassReportRow, 'class'>) =>
    `${name.padStart(width)} ${num(r.precision)} ${num(r.recall)} ${num(r.f1)} ${String(r.support).padStart(10)}`;
  return [
    header,
    '',
    ...report.classes.map((c) => line(c.class, c)),
    '',
    `${'accuracy'.padStart(width)} ${''.padStart(10)} ${''.padStart(10)} ${num(report.accuracy)} ${String(report.total).padStart(10)}`,
    line('macro avg', report.macro),
    line('weighted avg', report.weighted),
  ].join('\n');
}
