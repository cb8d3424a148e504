import type { ClassificationReport } from '@kiln/metrics';

/** The flat metric set written to `<out>.metrics.json` and compared against a baseline. */
export function headlineMetrics(report: ClassificationReport, auroc: number | undefined): Record<string, number> {
  return {
    accuracy: report.accuracy,
    macro_f1: report.macro.f1,
    macro_precision: report.macro.precision,
    macro_recall: report.macro.recall,
    weighted_f1: report.weighted.f1,
    ...(auroc !== undefined && Number.isFinite(auroc) ? { auroc } : {}),
  };
}

const pct = (v: number) => (v * 100).toFixed(2);

/** What every test report shows: the run, the classification report, its metrics and confusion matrix. */
export interface ReportArgs {
  input: string;
  checkpoint: string;
  report: ClassificationReport;
  metrics: Record<string, number>;
  confusion: number[][];
  classes: string[];
  badRows: number;
}

/** The human report (`<out>.report.md`); `confusionPng`: the PNG's file name next to it. */
export function markdownReport(args: ReportArgs & { confusionPng: string }): string {
  const { report, classes, confusion } = args;
  const lines = [
    `# Test report`,
    '',
    `- input: \`${args.input}\``,
    `- checkpoint: \`${args.checkpoint}\``,
    `- scored rows: ${report.total}${args.badRows ? `, unreadable rows: ${args.badRows} (listed with an error in the CSV)` : ''}`,
    '',
    '| metric | value |',
    '|---|---|',
    ...Object.entries(args.metrics).map(([k, v]) => `| ${k} | ${pct(v)}% |`),
    '',
    '## Per class',
    '',
    '| class | precision | recall | F1 | support |',
    '|---|---|---|---|---|',
    ...report.classes.map((c) => `| ${c.class} | ${pct(c.precision)} | ${pct(c.recall)} | ${pct(c.f1)} | ${c.support} |`),
    '',
    '## Confusion matrix (rows: true, columns: predicted)',
    '',
    `| | ${classes.join(' | ')} |`,
    `|---|${classes.map(() => '---').join('|')}|`,
    ...confusion.map((row, i) => `| **${classes[i]}** | ${row.join(' | ')} |`),
    '',
    `![confusion matrix](${args.confusionPng})`,
    '',
  ];
  return lines.join('\n');
}
