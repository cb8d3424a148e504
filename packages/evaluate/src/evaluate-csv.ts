import type { Logger } from '@kiln/core';
import type { ClassificationReport } from '@kiln/metrics';
import type { Predictor } from './predictor';
import { toCsv, type Cell } from './report/csv-writer';
import { headlineMetrics } from './report/test-report';
import { evalLoaderForCsv, labelIdOf, type BadRow } from '@kiln/data';
import { Auroc, ConfusionMatrix, classificationReport } from '@kiln/metrics';

export interface EvaluateCsvResult {
  csv: string;
  rows: number;
  badRows: number;
  /** Rows left out because the model does not know their label (out-of-range id, unknown name). */
  labelErrors: BadRow[];
  report?: ClassificationReport;
  confusion: number[][];
  metrics: Record<string, number>;
}

interface RowOut {
  row: number;
  path: string;
  probs?: Float32Array;
  label?: number;
  error?: string;
}

/**
 * Predicts every row of a CSV in input order. Unreadable rows stay in the output with an
 * `error`; labelled inputs also get a confusion matrix, a classification report and AUROC.
 */
export async function evaluateCsv(opts: {
  input: string;
  predictor: Predictor;
  batchSize: number;
  logger: Logger;
  pathColumn?: string;
  labelColumn?: string;
}): Promise<EvaluateCsvResult> {
  const { predictor, logger } = opts;
  const classes = predictor.classes;
  const k = classes.length;
  const evalLoader = await evalLoaderForCsv(opts.input, {
    processor: predictor.processor,
    classes,
    batchSize: opts.batchSize,
    // The user names this CSV on the command line, so absolute paths in it are theirs to use.
    allowOutsideRoot: true,
    logger,
    ...(opts.pathColumn ? { pathColumn: opts.pathColumn } : {}),
    ...(opts.labelColumn ? { labelColumn: opts.labelColumn } : {}),
  });
  const out: RowOut[] = evalLoader.badRows.map((b) => ({ row: b.row, path: b.path, error: b.reason }));
  const confusion = new ConfusionMatrix({ numClasses: k });
  const auroc = new Auroc({ numClasses: k, scores: 'probabilities' });
  for await (const batch of evalLoader.loader) {
    const probs = predictor.predict(batch.images, batch.shape);
    for (let i = 0; i < batch.rows.length; i++) {
      out.push({ row: batch.rows[i], path: batch.paths[i], probs: probs.subarray(i * k, (i + 1) * k), label: batch.labels?.[i] });
    }
    if (batch.labels) {
      confusion.update(probs, batch.labels, k);
      auroc.update(probs, batch.labels, k);
    }
  }
  out.sort((a, b) => a.row - b.row);
  const labelErrors = labelProblems(evalLoader.badRows, evalLoader.header, evalLoader.records, classes, opts.labelColumn);

  const hasLabels = evalLoader.hasLabels;
  // The input's columns come first, exactly as written (the user's path text, not the resolved
  // path; an unreadable row keeps its label), then the predictions, then `error`.
  const width = evalLoader.header?.length ?? Math.max(0, ...evalLoader.records.map((r) => r.length));
  const inputHeader = evalLoader.header ?? Array.from({ length: width }, (_, i) => `column${i}`);
  const inputCells = (row: number): string[] => {
    const record = evalLoader.records[row - 1] ?? [];
    return Array.from({ length: width }, (_, i) => record[i] ?? '');
  };
  const header = [...inputHeader, 'prediction', 'confidence', ...classes.map((c) => `p_${c}`), 'error'];
  const rows: Cell[][] = out.map((r) => {
    if (!r.probs) return [...inputCells(r.row), null, null, ...classes.map(() => null), r.error ?? ''];
    let best = 0;
    for (let j = 1; j < k; j++) if (r.probs[j] > r.probs[best]) best = j;
    return [...inputCells(r.row), classes[best], round(r.probs[best]), ...Array.from(r.probs, round), ''];
  });
  // input cells are the user's own text, written back unchanged; only what Kiln adds is formula-escaped
  const csv = toCsv(header, rows, new Set(['prediction', 'error']));
  const scored = out.filter((r) => r.probs).length;
  if (!hasLabels || scored === 0) {
    return { csv, rows: out.length, badRows: evalLoader.badRows.length, labelErrors, confusion: [], metrics: {} };
  }
  const matrix = confusion.matrix();
  const report = classificationReport(matrix, classes);
  const aurocValue = auroc.compute();
  return {
    csv,
    rows: out.length,
    badRows: evalLoader.badRows.length,
    labelErrors,
    report,
    confusion: matrix,
    metrics: headlineMetrics(report, typeof aurocValue === 'number' ? aurocValue : undefined),
  };
}

/**
 * The bad rows whose reason is their label cell's own problem (as `labelIdOf` words it), told
 * apart from unreadable images so a caller can treat wrong labels as the spec's ValueError.
 */
function labelProblems(bad: BadRow[], header: string[] | undefined, records: string[][], classes: string[], labelColumn = 'label'): BadRow[] {
  const idx = header?.indexOf(labelColumn) ?? -1;
  if (idx < 0) return [];
  return bad.filter((b) => {
    const cell = records[b.row - 1]?.[idx]?.trim();
    // the loader words it `<csv> row N: <labelIdOf's reason>`
    return cell !== undefined && b.reason.endsWith(`: ${labelIdOf(cell, classes)}`);
  });
}

function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
