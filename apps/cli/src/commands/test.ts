import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Logger, UsageError, writeFileAtomic } from '@kiln/core';
import { optionInt, optionNumber, optionString, parseOrHelp, type CommandSpec, type ParsedArgs } from '../args';
import { resolveUserPath } from '../paths';
import { formatClassificationReport } from '@kiln/metrics';
import { compareToBaseline, evaluateCsv, readBaseline, writeTestReports, type EvaluateCsvResult, type Predictor } from '@kiln/evaluate';
import { openPredictor, QUANTIZE_FLAGS, QUANTIZE_OPTIONS } from '../open-predictor';

export const spec: CommandSpec = {
  name: 'test',
  summary: 'predict every row of a CSV; write predictions + a metrics report when labels are present',
  usage: 'kiln test --input=in.csv --output=out.csv [--gpus=0] [--ckpt=RUN_DIR|FILE] [--baseline=baseline.json] [--quantize=int8] (or: kiln test in.csv out.csv [GPU_ID])',
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
    ...QUANTIZE_OPTIONS,
  },
  flags: {
    ...QUANTIZE_FLAGS,
    'trust-imports': "import the modules in the run's config.yaml `imports:` (runs that code)",
    'keep-going': 'a label the model does not know (out of range, unknown name) is an error cell in its row and exit 0, instead of CRITICAL and exit 2',
  },
  repeatable: ['import'],
  // The spec's form: `kiln test in.csv out.csv 0` (input, output, GPU id)
  positionals: true,
};

const POSITIONAL_NAMES = ['input', 'output', 'gpus'] as const;

/** `in.csv out.csv 0` → `--input`, `--output`, `--gpus`; each only once, either way. */
export function applyPositionals(args: ParsedArgs): void {
  if (args.positionals.length > POSITIONAL_NAMES.length) {
    throw new UsageError(`test: at most ${POSITIONAL_NAMES.length} positional arguments (input, output, GPU id), got ${args.positionals.length}: ${args.positionals.join(' ')}. ${spec.usage}`);
  }
  args.positionals.forEach((value, i) => {
    const name = POSITIONAL_NAMES[i];
    if (name in args.options) throw new UsageError(`test: ${name} given twice ('${value}' and --${name}=${String(args.options[name])})`);
    args.options[name] = value;
  });
}

export async function run(argv: string[]): Promise<number> {
  const args = parseOrHelp(argv, spec);
  if (!args) return 0;
  applyPositionals(args);
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
  const predictor = await openPredictor(args, logger, 'test');
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
  const code = await reportAndCompare({ input, output, result, predictor, logger, baseline, baselinePath, tolerance });
  if (result.labelErrors.length && !args.flags.has('keep-going')) {
    // The spec: a label out of range is a ValueError logged CRITICAL, as in training (exit 2);
    // every good row and the reports are written first, so nothing computed is lost.
    const shown = result.labelErrors.slice(0, 10).map((b) => b.reason).join('; ');
    const more = result.labelErrors.length > 10 ? ` (and ${result.labelErrors.length - 10} more)` : '';
    logger.critical(`${result.labelErrors.length} row(s) with a label the model does not know (classes: ${predictor.classes.length}): ${shown}${more}; the other rows are in ${output} (--keep-going: exit 0 with these rows as error cells)`);
    return 2;
  }
  return code;
}

/** Writes the reports of a labelled input and checks `--baseline`; 1 when a metric fell. */
async function reportAndCompare(o: {
  input: string;
  output: string;
  result: EvaluateCsvResult;
  predictor: Predictor;
  logger: Logger;
  baseline?: ReturnType<typeof readBaseline>;
  baselinePath?: string;
  tolerance: number;
}): Promise<number> {
  const { input, output, result, predictor, logger, baseline, baselinePath, tolerance } = o;
  if (!result.report) {
    if (baseline) throw new UsageError('test: --baseline needs a labelled --input (no label column found)');
    return 0;
  }
  const written = await writeTestReports({ input, output, checkpoint: predictor.checkpoint, classes: predictor.classes, result: { ...result, report: result.report } });
  process.stdout.write(`\n${formatClassificationReport(result.report)}\n\n`);
  logger.info(`reports: ${written.join(', ')}`);
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
