import { UsageError } from '@kiln/core';

/** What a command accepts: options that take a value, boolean flags, and repeatable options. */
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  valueOptions: Record<string, string>; // name → help
  flags: Record<string, string>;
  repeatable?: string[];
  /** Whether bare words (`key=value` overrides) are allowed. */
  positionals: boolean;
}

export interface ParsedArgs {
  options: Record<string, string | string[]>;
  flags: Set<string>;
  positionals: string[];
}

const COMMON_FLAGS: Record<string, string> = {
  help: 'show this help',
  debug: 'print stack traces and DEBUG logs',
};

/**
 * Parses `--name=value`, `--name value`, `--flag`, `--` and bare words. Unknown options are
 * usage errors naming the argument, so a typo never silently becomes an override.
 */
export function parseArgs(argv: readonly string[], spec: CommandSpec): ParsedArgs {
  const flagsAllowed = { ...COMMON_FLAGS, ...spec.flags };
  const options: Record<string, string | string[]> = {};
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (!spec.positionals) throw new UsageError(`${spec.name}: unexpected argument '${arg}'. ${spec.usage}`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq === -1 ? arg.slice(2) : arg.slice(2, eq)).replace(/_/g, '-');
    if (name in flagsAllowed) {
      if (eq !== -1 && !/^(true|false|1|0)$/.test(arg.slice(eq + 1))) {
        throw new UsageError(`${spec.name}: --${name} is a flag and takes no value (got '${arg}')`);
      }
      if (eq === -1 || /^(true|1)$/.test(arg.slice(eq + 1))) flags.add(name);
      continue;
    }
    if (!(name in spec.valueOptions)) {
      const known = [...Object.keys(spec.valueOptions), ...Object.keys(flagsAllowed)].map((k) => `--${k}`);
      throw new UsageError(`${spec.name}: unknown option '--${name}'. Known: ${known.join(', ')}`);
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) value = argv[++i];
    if (value === undefined || value === '') throw new UsageError(`${spec.name}: --${name} needs a value`);
    if (spec.repeatable?.includes(name)) {
      options[name] = [...((options[name] as string[] | undefined) ?? []), value];
    } else {
      if (name in options) throw new UsageError(`${spec.name}: --${name} given twice`);
      options[name] = value;
    }
  }
  return { options, flags, positionals };
}

export function optionString(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function optionList(args: ParsedArgs, name: string): string[] {
  const v = args.options[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** A positive integer option, or a usage error naming it. */
export function optionInt(args: ParsedArgs, name: string, min = 1): number | undefined {
  const raw = optionString(args, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new UsageError(`--${name} must be an integer ≥ ${min} (got '${raw}')`);
  }
  return Number(raw);
}

export function optionNumber(args: ParsedArgs, name: string): number | undefined {
  const raw = optionString(args, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number (got '${raw}')`);
  return n;
}

export function helpText(spec: CommandSpec): string {
  const rows = [
    ...Object.entries(spec.valueOptions).map(([k, h]) => [`--${k}=…`, h]),
    ...Object.entries({ ...spec.flags, ...COMMON_FLAGS }).map(([k, h]) => [`--${k}`, h]),
  ];
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  return [
    `kiln ${spec.name} — ${spec.summary}`,
    '',
    `Usage: ${spec.usage}`,
    '',
    'Options:',
    ...rows.map(([k, h]) => `  ${k.padEnd(width)}${h}`),
    '',
    // nx 23's run-commands hard-wires its own exit status (0, 1, 130), so the code cannot pass through nx
    'Exit codes: 0 ok, 1 failure, 2 usage or config error, 130/143 interrupted (SIGINT/SIGTERM); `npx nx run cli:…` reports every failure as exit 1 — use `npx kiln …` for the code.',
  ].join('\n');
}

/** Parses a command's arguments; prints its help and returns undefined for `--help`. */
export function parseOrHelp(argv: readonly string[], spec: CommandSpec): ParsedArgs | undefined {
  const args = parseArgs(argv, spec);
  if (!args.flags.has('help')) return args;
  process.stdout.write(helpText(spec) + '\n');
  return undefined;
}
