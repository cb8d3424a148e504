import { UsageError } from '@kiln/core';
import { optionInt, optionString, parseOrHelp, type CommandSpec } from '../args';
import { findConfigDir, resolveUserPath } from '../paths';
import { composeConfig, loadRunConfig, toYaml } from '@kiln/core';
import { gpusOption } from '../devices';
import { dryRun } from '../dry-run';
import { runTraining } from '../run-training';
import { MULTIRUN_FLAGS, MULTIRUN_OPTIONS, parseMultirunArgs, runMultirun } from '../multirun';
import { absoluteImports } from '../registry';

export const spec: CommandSpec = {
  name: 'train',
  summary: 'train a model from configs/train.yaml + key=value overrides',
  usage: 'kiln train [--gpus=1,2 | --workers=N] [--cfg | --dry-run] [key=value | group=option | +key=value | ~key …]',
  valueOptions: {
    gpus: 'GPU ids, comma-separated (one worker per id; CPU workers with a WARN when no GPU backend)',
    workers: 'number of CPU data-parallel workers',
    'config-dir': 'folder holding train.yaml and the config groups (default: ./configs or the repo configs)',
    config: "re-run a saved run: its config.yaml (or run folder); overrides still apply",
    ...MULTIRUN_OPTIONS,
  },
  flags: {
    cfg: 'print the composed config and exit (components and data are not checked: --dry-run checks them)',
    'dry-run':
      'check everything a run needs and exit: components, CSVs, labels, images, train/val classes; ' +
      'prints the plan (steps, files, epoch time from a few timed steps); exit 2 lists every problem; writes no run folder',
    ...MULTIRUN_FLAGS,
  },
  positionals: true,
};

export async function run(argv: string[]): Promise<number> {
  // Process start to here: Node and the CLI's modules (trainer.profiler's startup.process).
  const startedMs = performance.now();
  const multirun = parseMultirunArgs(argv, spec);
  if (multirun) return (await runMultirun(multirun)).exitCode;
  const args = parseOrHelp(argv, spec);
  if (!args) return 0;
  const gpus = gpusOption(args);
  const workers = optionInt(args, 'workers');
  if (gpus && workers) throw new UsageError('train: give --gpus or --workers, not both');

  const overrides = [...args.positionals];
  if (gpus) overrides.push(`trainer.devices=[${gpus.join(',')}]`);
  if (workers) overrides.push(`trainer.devices=${workers}`);

  const savedConfig = optionString(args, 'config');
  const configDir = findConfigDir(optionString(args, 'config-dir'));
  const composed = savedConfig
    ? loadRunConfig(resolveUserPath(savedConfig), { configDir, overrides })
    : composeConfig({ configDir, overrides });

  // config.yaml then names the files this run imported, wherever `test`/`predict` later run from
  if (Array.isArray(composed.config.imports)) composed.config.imports = absoluteImports(composed.config.imports);
  if (args.flags.has('cfg')) {
    process.stdout.write(toYaml(composed.config));
    return 0;
  }
  if (args.flags.has('dry-run')) return dryRun(composed.config, args.flags.has('debug'));
  const startup = { processMs: startedMs, configMs: performance.now() - startedMs };
  return runTraining({ config: composed.config, overrides, debug: args.flags.has('debug'), startup });
}
