import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Logger, UsageError, writeFileAtomic } from '@kiln/core';
import { optionInt, optionNumber, optionString, parseOrHelp, type CommandSpec } from '../args';
import { resolveUserPath } from '../paths';
import { formatClassificationReport } from '@kiln/metrics';
import { evaluateCsv } from '../evaluate-csv';
import { loadPredictor, predictorOptions } from '../predictor';
import { compareToBaseline, readBaseline } from '../report/baseline';
import { confusionPng } from '../report/confusion-png';
import { markdownReport, type ReportArgs } from '../report/test-report';
import { htmlReport } from '../report/html-report';

export const spec: CommandSpec = {
  name: 'test',
  summary: 'predict every row of a CSV; write predictions + a metrics report when labels are present',
  usage: 'kiln test --input=in.csv --output=out.csv [--gpus=0] [--ckpt=RUN_DIR|FILE] [--baseline=baseline.json]',
  valueOptions: {
    input: 'CSV with a path column (and optionally a label column)',
    output: 'predictions CSV to write (reports go next to it: <name>.metrics.json, .report.md, .report.html, .confusion.png)',
    gpus: 'GPU id to run on (falls back to CPU with a WARN)',
    ckpt: 'checkpoint file or run folder (default: best checkpoint of outputs/latest)',
    import: 'module exporting register(registries) to load, e.g. custom layers (repeatable)',
    baseline: 'metrics JSON to compare with; exit 1 when a metric fell more than --tolerance',
    tolerance: 'allowed drop in percentage points for --baseline (default 0.5)',
    'batch-size': 'images per forward pass (default 256)',
    'path-column': 'CSV column with image paths (default path)',
    'label-column': 'CSV column with labels (default label)',
  },
  flags: { 'trust-imports': "import the modules in the run's config.yaml `imports:` (runs that code)" },
  repeatable: ['import'],
  positionals: false,
};

export async function run(argv: string[]): Promise<number> {
  const args = parseOrHelp(argv, spec);
  if (!args) return 0;
  const inputOpt = optionString(args, 'input');
  const outputOpt = optionString(args, 'output');
  if (!inputOpt) throw new UsageError('test: --input=in.csv is required');
  if (!outputOpt) throw new UsageError('test: --output=out.csv is required');
  const input = resolveUserPath(inputOpt);
  const output = resolveUserPath(outputOpt);
  if (!existsSync(input)) throw new UsageError(`test: --input '${inputOpt}' does not exist`);
  if (!existsSync(dirname(output))) throw new UsageError(`test: folder of --output '${outputOpt}' does not exist`);
  const tolerance = optionNumber(args, 'tolerance') ?? 0.5;
  const baselinePath = optionString(args, 'baseline');
  const baseline = baselinePath ? readBaseline(resolveUserPath(baselinePath)) : undefined;
  const batchSize = optionInt(args, 'batch-size') ?? 256;

  const logger = new Logger({ level: args.flags.has('debug') ? 'DEBUG' : 'INFO' });
  const predictor = await loadPredictor(predictorOptions(args, logger));
  const result = await evaluateCsv({
    input,
    predictor,
    batchSize,
    logger,
    pathColumn: optionString(args, 'path-column'),
    labelColumn: optionString(args, 'label-column'),
  });
  await writeFileAtomic(output, result.csv);
  logger.info(`wrote ${output} (${result.rows} rows, ${result.badRows} unreadable)`);
  if (!result.report) {
    if (baseline) throw new UsageError('test: --baseline needs a labelled --input (no label column found)');
    return 0;
  }
  const stem = join(dirname(output), basename(output).replace(/\.csv$/i, ''));
  const pngName = `${basename(stem)}.confusion.png`;
  const png = await confusionPng(result.confusion, predictor.classes);
  await writeFileAtomic(`${stem}.confusion.png`, png);
  const metricsJson = { input, checkpoint: predictor.checkpoint, metrics: result.metrics, report: result.report, confusion: result.confusion, classes: predictor.classes };
  await writeFileAtomic(`${stem}.metrics.json`, JSON.stringify(metricsJson, null, 2) + '\n');
  const shown: ReportArgs = { ...metricsJson, badRows: result.badRows };
  await writeFileAtomic(`${stem}.report.md`, markdownReport({ ...shown, confusionPng: pngName }));
  // The PNG's bytes are at hand: embedded as they are, not read back from the file just written.
  await writeFileAtomic(`${stem}.report.html`, await htmlReport({ ...shown, confusionPng: png, predictionsCsv: result.csv }));
  process.stdout.write(`\n${formatClassificationReport(result.report)}\n\n`);
  logger.info(`reports: ${stem}.metrics.json, ${stem}.report.md, ${stem}.report.html, ${stem}.confusion.png`);
  if (baseline) {
    const regressions = compareToBaseline(baseline, result.metrics, tolerance);
    if (regressions.length) {
      for (const r of regressions) {
        logger.error(`regression: ${r.metric} ${(r.baseline * 100).toFixed(2)}% → ${Number.isNaN(r.current) ? 'missing' : (r.current * 100).toFixed(2) + '%'} (tolerance ${tolerance} points)`);
      }
      process.stderr.write(`kiln: ${regressions.length} metric(s) fell more than ${tolerance} points below ${baselinePath}\n`);
      return 1;
    }
    logger.info(`baseline ${baselinePath}: every metric within ${tolerance} points`);
  }
  return 0;
}
