import { UsageError } from '@kiln/core';
import type { MultirunArgs } from '@kiln/multirun';
import { optionInt, optionString, parseArgs, type CommandSpec } from '../args';

export type { MultirunArgs };

/** Options multirun adds to `train`. */
export const MULTIRUN_OPTIONS: Record<string, string> = {
  jobs: 'with -m: jobs run at once in child processes (default 1), each with its share of CPU threads',
  sweeper: 'with -m: grid (default) or random (same as hydra.sweeper=…)',
  trials: 'with -m and the random sweeper: number of jobs (same as hydra.sweeper.trials=N)',
};
export const MULTIRUN_FLAGS: Record<string, string> = {
  multirun: 'sweep: run one job per combination of comma-separated values, range(), choice() (also -m)',
};

const MULTIRUN_MARKERS = new Set(['-m', '--multirun', '--multirun=true', '--multirun=1']);

/**
 * Returns undefined unless `argv` asks for a multirun (`-m` or `--multirun` before any `--`),
 * so `train` can hand over with two lines. `trainSpec` is train's own spec: its options stay
 * valid and are forwarded to each job.
 */
export function parseMultirunArgs(argv: readonly string[], trainSpec: CommandSpec): MultirunArgs | undefined {
  const end = argv.indexOf('--');
  const head = end < 0 ? argv : argv.slice(0, end);
  if (!head.some((a) => MULTIRUN_MARKERS.has(a))) {
    const stray = head.find((a) => /^--(jobs|sweeper|trials)(=|$)/.test(a));
    if (stray) throw new UsageError(`train: ${stray.split('=')[0]} only applies to a sweep; add -m (or --multirun)`);
    return undefined;
  }
  const rest = [...head.filter((a) => !MULTIRUN_MARKERS.has(a)), ...(end < 0 ? [] : argv.slice(end))];
  const spec: CommandSpec = {
    ...trainSpec,
    valueOptions: { ...trainSpec.valueOptions, ...MULTIRUN_OPTIONS },
    flags: { ...trainSpec.flags },
  };
  const args = parseArgs(rest, spec);
  if (args.flags.has('help')) return undefined; // train prints its help
  if (args.positionals.length === 0) throw new UsageError('train -m: give at least one override to sweep, e.g. optimizer.lr=1e-3,3e-3');
  const jobs = optionInt(args, 'jobs') ?? 1;
  const overrides = [...args.positionals];
  const sweeper = optionString(args, 'sweeper');
  if (sweeper !== undefined) overrides.unshift(`hydra.sweeper=${sweeper}`);
  const trials = optionInt(args, 'trials');
  if (trials !== undefined) overrides.unshift(`hydra.sweeper.trials=${trials}`);

  const trainArgs: string[] = [];
  for (const [name, value] of Object.entries(args.options)) {
    if (name in MULTIRUN_OPTIONS || name === 'config-dir' || name === 'config') continue;
    for (const v of Array.isArray(value) ? value : [value]) trainArgs.push(`--${name}=${v}`);
  }
  for (const flag of args.flags) if (flag !== 'cfg') trainArgs.push(`--${flag}`);
  return {
    overrides,
    trainArgs,
    jobs,
    configDir: optionString(args, 'config-dir'),
    savedConfig: optionString(args, 'config'),
    dryRun: args.flags.has('cfg'),
    debug: args.flags.has('debug'),
  };
}
