import { writeFileAtomicSync } from '@kiln/core';
import { join } from 'node:path';
import type { JobResult } from './job-result';

/** Best first by the monitor (its own direction), jobs without a value after, failures last. */
export function sortResults(results: readonly JobResult[]): JobResult[] {
  const rank = (r: JobResult) => (r.status !== 'ok' ? 2 : r.best === undefined ? 1 : 0);
  return [...results].sort((a, b) => {
    if (rank(a) !== rank(b)) return rank(a) - rank(b);
    if (a.best !== undefined && b.best !== undefined && a.best !== b.best) return (a.mode === 'min' ? 1 : -1) * (a.best - b.best);
    return a.index - b.index;
  });
}

function csvCell(value: unknown): string {
  const s = value === undefined ? '' : String(value);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function mdCell(value: string): string {
  return value.replace(/\|/g, '\\|');
}

const fmt = (n: number | undefined, digits = 4) => (n === undefined ? '' : Number(n.toFixed(digits)).toString());

/** Columns: job, status, each swept key, monitor value, epochs, seconds, folder, error. */
export function summaryTable(results: readonly JobResult[]): { header: string[]; rows: string[][] } {
  const keys = [...new Set(results.flatMap((r) => Object.keys(r.params)))];
  const monitor = results.find((r) => r.monitor)?.monitor ?? 'best';
  const header = ['job', 'status', ...keys, monitor, 'epochs', 'seconds', 'overrides', 'dir', 'error'];
  const rows = sortResults(results).map((r) => [
    String(r.index),
    r.status,
    ...keys.map((k) => r.params[k] ?? ''),
    r.best === undefined ? '' : String(r.best),
    r.epochs === undefined ? '' : String(r.epochs),
    r.seconds.toFixed(1),
    r.overrides.join(' '),
    r.dir,
    r.error ?? '',
  ]);
  return { header, rows };
}

export function summaryCsv(results: readonly JobResult[]): string {
  const { header, rows } = summaryTable(results);
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

/** A Markdown table a person reads first: no folder column, values rounded. */
export function summaryMarkdown(results: readonly JobResult[], title: string): string {
  const { header, rows } = summaryTable(results);
  const keep = header.map((h, i) => (h === 'dir' || h === 'overrides' ? -1 : i)).filter((i) => i >= 0);
  const monitorCol = header.length - 6;
  const mode = results.find((r) => r.mode)?.mode;
  const lines = [
    `# ${title}`,
    '',
    `${results.length} jobs, ${results.filter((r) => r.status === 'ok').length} ok, ${results.filter((r) => r.status === 'failed').length} failed${interruptedText(results)}; sorted by ${header[monitorCol]}${mode ? ` (${mode})` : ''}, best first.`,
    '',
    `| ${keep.map((i) => mdCell(header[i])).join(' | ')} |`,
    `|${keep.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${keep.map((i) => mdCell(i === monitorCol && row[i] !== '' ? fmt(Number(row[i])) : row[i])).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}

function interruptedText(results: readonly JobResult[]): string {
  const n = results.filter((r) => r.status === 'interrupted').length;
  return n ? `, ${n} interrupted` : '';
}

/** Writes `summary.csv` and `summary.md` into the sweep folder; returns the Markdown. */
export function writeSummary(sweepDir: string, results: readonly JobResult[], title: string): string {
  const md = summaryMarkdown(results, title);
  writeFileAtomicSync(join(sweepDir, 'summary.csv'), summaryCsv(results));
  writeFileAtomicSync(join(sweepDir, 'summary.md'), md);
  return md;
}
