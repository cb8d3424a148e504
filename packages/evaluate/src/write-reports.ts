import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '@kiln/core';
import type { EvaluateCsvResult } from './evaluate-csv';
import { confusionPng } from './report/confusion-png';
import { htmlReport } from './report/html-report';
import { markdownReport, type ReportArgs } from './report/test-report';

/**
 * Writes the reports of a labelled evaluation next to its predictions CSV `output`:
 * `<name>.confusion.png`, `.metrics.json`, `.report.md`, `.report.html`. Returns their paths.
 */
export async function writeTestReports(o: {
  input: string;
  output: string;
  checkpoint: string;
  classes: string[];
  result: EvaluateCsvResult & { report: NonNullable<EvaluateCsvResult['report']> };
}): Promise<string[]> {
  const { input, output, checkpoint, classes, result } = o;
  const stem = join(dirname(output), basename(output).replace(/\.csv$/i, ''));
  const pngName = `${basename(stem)}.confusion.png`;
  const png = await confusionPng(result.confusion, classes);
  await writeFileAtomic(`${stem}.confusion.png`, png);
  const metricsJson = { input, checkpoint, metrics: result.metrics, report: result.report, confusion: result.confusion, classes };
  await writeFileAtomic(`${stem}.metrics.json`, JSON.stringify(metricsJson, null, 2) + '\n');
  const shown: ReportArgs = { ...metricsJson, badRows: result.badRows };
  await writeFileAtomic(`${stem}.report.md`, markdownReport({ ...shown, confusionPng: pngName }));
  // The PNG's bytes are at hand: embedded as they are, not read back from the file just written.
  await writeFileAtomic(`${stem}.report.html`, await htmlReport({ ...shown, confusionPng: png, predictionsCsv: result.csv }));
  return ['metrics.json', 'report.md', 'report.html', 'confusion.png'].map((ext) => `${stem}.${ext}`);
}
