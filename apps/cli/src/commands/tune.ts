import { UsageError } from '@kiln/core';
import { helpText, optionInt, optionNumber, optionString, parseOrHelp, type CommandSpec, type ParsedArgs } from '../args';
import { gpusOption } from '../devices';

const COMMON_OPTIONS: Record<string, string> = {
  out: 'folder for the results (default <run.root>/tune, i.e. outputs/tune)',
  gpus: 'GPU id to run on (one device; falls back to CPU with a WARN)',
  'config-dir': 'folder holding train.yaml and the config groups (default: ./configs or the repo configs)',
  config: "start from a saved run's config.yaml (or run folder); overrides still apply",
};

export const lrSpec: CommandSpec = {
  name: 'tune lr',
  summary: 'learning-rate range test: exponential LR sweep, loss-vs-LR plot, suggested optimizer.lr',
  usage: 'kiln tune lr [--min-lr=1e-7] [--max-lr=1] [--steps=100] [--out=DIR] [key=value overrides…]',
  valueOptions: {
    'min-lr': 'first learning rate of the sweep (default 1e-7)',
    'max-lr': 'last learning rate of the sweep (default 1)',
    steps: 'optimizer steps of the sweep, 2…1000 (default 100); stops early when the loss diverges (> 4× best)',
    ...COMMON_OPTIONS,
  },
  flags: {},
  positionals: true,
};

export const batchSizeSpec: CommandSpec = {
  name: 'tune batch-size',
  summary: 'largest data.batchSize that fits: double until out of memory, then binary search',
  usage: 'kiln tune batch-size [--init=2] [--max=4096] [--steps=3] [--out=DIR] [key=value overrides…]',
  valueOptions: {
    init: 'first batch size tried (default 2)',
    max: 'largest batch size tried (default 4096, at most the training split size)',
    steps: 'optimizer steps run at each size (default 3)',
    ...COMMON_OPTIONS,
  },
  flags: {},
  positionals: true,
};

export const spec: CommandSpec = {
  name: 'tune',
  summary: 'find a learning rate (tune lr) or the largest batch size that fits (tune batch-size)',
  usage: 'kiln tune lr|batch-size [options] [key=value overrides…]',
  valueOptions: {},
  flags: {},
  positionals: true,
};

function request(args: ParsedArgs) {
  return {
    overrides: args.positionals,
    configDir: optionString(args, 'config-dir'),
    savedConfig: optionString(args, 'config'),
    out: optionString(args, 'out'),
    gpus: gpusOption(args),
    debug: args.flags.has('debug'),
  };
}

function positiveNumber(args: ParsedArgs, name: string, fallback: number): number {
  const v = optionNumber(args, name) ?? fallback;
  if (!(v > 0)) throw new UsageError(`tune lr: --${name} must be > 0 (got ${v})`);
  return v;
}

async function lr(argv: string[]): Promise<number> {
  const args = parseOrHelp(argv, lrSpec);
  if (!args) return 0;
  const minLr = positiveNumber(args, 'min-lr', 1e-7);
  const maxLr = positiveNumber(args, 'max-lr', 1);
  if (maxLr <= minLr) throw new UsageError(`tune lr: --max-lr (${maxLr}) must be above --min-lr (${minLr})`);
  const steps = optionInt(args, 'steps', 2) ?? 100;
  if (steps > 1000) throw new UsageError(`tune lr: --steps is at most 1000 (got ${steps}); a few hundred is plenty`);
  const [{ runLrFind }, { tuneContext }] = await Promise.all([import('@kiln/tune'), import('../tune-context.js')]);
  return runLrFind(await tuneContext(request(args)), { minLr, maxLr, steps });
}

async function batchSize(argv: string[]): Promise<number> {
  const args = parseOrHelp(argv, batchSizeSpec);
  if (!args) return 0;
  const init = optionInt(args, 'init');
  const max = optionInt(args, 'max');
  if (init !== undefined && max !== undefined && init > max) throw new UsageError(`tune batch-size: --init (${init}) is above --max (${max})`);
  const steps = optionInt(args, 'steps') ?? 3;
  const [{ runBatchSizeSearch }, { tuneContext }] = await Promise.all([import('@kiln/tune'), import('../tune-context.js')]);
  return runBatchSizeSearch(await tuneContext(request(args)), { init, max, steps });
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = { lr, 'batch-size': batchSize };

/** `kiln tune lr|batch-size …`: each subcommand lazy-imports its work after its arguments check out. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write([helpText(spec), '', helpText(lrSpec), '', helpText(batchSizeSpec)].join('\n') + '\n');
    return 0;
  }
  const fn = sub === undefined ? undefined : SUBCOMMANDS[sub];
  if (!fn) throw new UsageError(`tune: ${sub === undefined ? 'missing subcommand' : `unknown subcommand '${sub}'`}; use 'kiln tune lr' or 'kiln tune batch-size'`);
  return fn(rest);
}
