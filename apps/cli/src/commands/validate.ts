import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadRunConfig, Logger, UsageError } from '@kiln/core';
import { optionString, parseOrHelp, type CommandSpec } from '../args';
import { parseQuantizeFlags, resolveCheckpoint, runDirOf, writeSplitCsv, type EvalSplit } from '@kiln/evaluate';
import { findConfigDir, resolveUserPath } from '../paths';
import { QUANTIZE_FLAGS, QUANTIZE_OPTIONS } from '../open-predictor';
import { registerWithImports } from '../registry';
import { run as runTest } from './test';

export const spec: CommandSpec = {
  name: 'validate',
  summary: "metrics of a checkpoint on its run's validation (or test) split, with the same report as test",
  usage: 'kiln validate [--ckpt=RUN_DIR|FILE] [--split=val|test] [--output=val.csv] [--gpus=0] [--baseline=…] [--quantize=int8] [data.key=value overrides…]',
  valueOptions: {
    ckpt: 'checkpoint file or run folder (default: best checkpoint of outputs/latest)',
    split: "val (default: data.valCsv, or the run's seeded data.valSplit) or test (data.testCsv)",
    output: 'predictions CSV (default <run>/validate/<split>.csv; reports next to it as for test)',
    gpus: 'GPU id to run on (falls back to CPU with a WARN)',
    baseline: 'metrics JSON to compare with; exit 1 when a metric fell more than --tolerance',
    tolerance: 'allowed drop in percentage points for --baseline (default 0.5)',
    'batch-size': 'images per forward pass (default 256)',
    'config-dir': 'config groups for the overrides (default: ./configs or the repo configs)',
    ...QUANTIZE_OPTIONS,
  },
  flags: { ...QUANTIZE_FLAGS },
  positionals: true,
};

/**
 * `kiln validate`: re-composes the run's saved config (plus overrides, e.g. another
 * `data.valCsv`), lists its val/test rows as a CSV beside the output, then runs `test` on it,
 * so the metrics, report, confusion matrix and `--baseline` check are test's own.
 */
export async function run(argv: string[]): Promise<number> {
  const args = parseOrHelp(argv, spec);
  if (!args) return 0;
  const split = (optionString(args, 'split') ?? 'val') as EvalSplit;
  if (split !== 'val' && split !== 'test') throw new UsageError(`validate: --split is val or test (got '${split}')`);
  parseQuantizeFlags('validate', optionString(args, 'quantize'), optionString(args, 'calibration'), args.flags.has('full-range'));
  const checkpoint = resolveCheckpoint(optionString(args, 'ckpt'));
  const runDir = runDirOf(checkpoint);
  const logger = new Logger({ level: args.flags.has('debug') ? 'DEBUG' : 'INFO' });
  const { config } = loadRunConfig(runDir, { configDir: findConfigDir(optionString(args, 'config-dir')), overrides: args.positionals });

  const output = optionString(args, 'output') ? resolveUserPath(optionString(args, 'output')!) : join(runDir, 'validate', `${split}.csv`);
  mkdirSync(join(output, '..'), { recursive: true });
  const input = output.replace(/(\.csv)?$/i, '.input.csv');
  const rows = await writeSplitCsv(config, split, input, logger, registerWithImports(config.imports));
  logger.info(`${split} split: ${rows} rows listed in ${input}`);

  const forward = ['gpus', 'baseline', 'tolerance', 'batch-size', 'quantize', 'calibration']
    .map((name) => [name, optionString(args, name)] as const)
    .filter(([, v]) => v !== undefined)
    .map(([name, v]) => `--${name}=${v}`);
  return runTest([`--input=${input}`, `--output=${output}`, `--ckpt=${checkpoint}`, ...forward, ...(args.flags.has('debug') ? ['--debug'] : []), ...(args.flags.has('full-range') ? ['--full-range'] : [])]);
}
