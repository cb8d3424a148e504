import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { ConfigError } from '../errors';
import { rankByCloseness } from '../did-you-mean';
import { parseDefaultsList } from './defaults-list';
import { deepMerge, isPlainObject } from './merge';
import { parseYaml } from './yaml-io';

/** A loaded config file: its own keys, its `defaults:` list, and whether it targets the root. */
export interface ConfigFile {
  path: string;
  body: Record<string, unknown>;
  defaults: ReturnType<typeof parseDefaultsList>;
  /** `# @package _global_` header: the content merges at the root, not under the group key. */
  global: boolean;
  /** The file's content is `null` (e.g. `scheduler/none.yaml`): choosing it sets the group's key to null. */
  isNull?: boolean;
}

/** A path for messages: relative to the working directory when inside it, else as given. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** Reads a YAML config file that must hold a map (an empty file is an empty map). */
export function readConfigFile(path: string): ConfigFile {
  const shown = displayPath(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read config file ${shown} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {}, { cause: err });
  }
  const parsed = parseYaml(text, shown);
  // An explicit `null` document (not an empty file) means "this option disables the node".
  const isNull = parsed === null && /^\s*(null|~)\s*$/m.test(text.replace(/#.*$/gm, ''));
  const value = parsed ?? {};
  if (!isPlainObject(value)) throw new ConfigError(`${shown} must hold a map of keys, got ${Array.isArray(value) ? 'a list' : typeof value}`, {});
  const { defaults, ...body } = value;
  const global = /^\s*#\s*@package\s+_global_\s*$/m.test(text.split('\n').slice(0, 5).join('\n'));
  return { path: shown, body, defaults: parseDefaultsList(defaults, shown), global, ...(isNull ? { isNull } : {}) };
}

export function groupDir(configDir: string, group: string): string {
  return join(configDir, ...group.split('/'));
}

/** True when `configDir/<group>` is a folder (so `group=option` switches an option). */
export function isGroupDir(configDir: string, group: string): boolean {
  const dir = groupDir(configDir, group);
  return existsSync(dir) && statSync(dir).isDirectory();
}

/** Option names of a group: its `*.yaml` / `*.yml` files, sorted. */
export function listGroupOptions(configDir: string, group: string): string[] {
  if (!isGroupDir(configDir, group)) return [];
  return readdirSync(groupDir(configDir, group))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => f.replace(/\.ya?ml$/, ''))
    .sort();
}

/** Path of `group/option.yaml`, or undefined when there is none. */
export function findOptionFile(configDir: string, group: string, option: string): string | undefined {
  // An option is a file name in the group folder, never a path out of it (`model=../secrets`).
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.\-]*$/.test(option)) return undefined;
  for (const ext of ['.yaml', '.yml']) {
    const p = join(groupDir(configDir, group), option + ext);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Unknown option: lists the available options, closest first, and says where the choice came from. */
export function unknownOptionError(configDir: string, group: string, option: string, from: string): ConfigError {
  const options = rankByCloseness(option, listGroupOptions(configDir, group));
  const available = options.length
    ? `Available options: ${options.join(', ')}`
    : isGroupDir(configDir, group)
      ? `The folder ${displayPath(groupDir(configDir, group))} has no .yaml files`
      : `There is no group folder '${group}' in ${displayPath(configDir)}`;
  return new ConfigError(`Unknown option '${option}' for config group '${group}' (${from}). ${available}`, {
    path: group.replace(/\//g, '.'),
    key: group,
    suggestions: options.slice(0, 3),
  });
}

/**
 * Loads `group/option.yaml` with its own defaults applied: `- other` extends another option
 * of the same group, `- sub: x` loads `group/sub/x.yaml` under the key `sub`, `_self_` (last
 * when absent) places the file's own keys.
 */
export function loadGroupOption(
  configDir: string,
  group: string,
  option: string,
  from: string,
  chain: string[] = [],
  /** Command-line choices for nested groups (`model/backbone` → `r50`); they replace the file's. */
  subChoices: ReadonlyMap<string, string | null> = new Map(),
): ConfigFile {
  const path = findOptionFile(configDir, group, option);
  if (!path) throw unknownOptionError(configDir, group, option, from);
  if (chain.includes(path)) throw new ConfigError(`Defaults cycle: ${[...chain, path].map(displayPath).join(' → ')}`, {});
  const file = readConfigFile(path);
  const entries = file.defaults.some((e) => e.kind === 'self') ? file.defaults : [...file.defaults, { kind: 'self' as const }];
  let node: Record<string, unknown> = {};
  for (const e of entries) {
    if (e.kind === 'self') {
      node = deepMerge(node, file.body) as Record<string, unknown>;
    } else if (e.kind === 'config') {
      const base = loadGroupOption(configDir, group, e.name, `extended by ${file.path}`, [...chain, path], subChoices);
      node = deepMerge(node, base.body) as Record<string, unknown>;
    } else if (e.absolute || e.override) {
      throw new ConfigError(
        `${file.path}: '${e.override ? 'override ' : ''}/${e.group}' may only appear in the primary config or a global (experiment) file`,
        {},
      );
    } else {
      const sub = `${group}/${e.group}`;
      const chosen = subChoices.has(sub) ? subChoices.get(sub)! : e.option;
      if (chosen === null) continue;
      if (e.optional && !findOptionFile(configDir, sub, chosen)) continue;
      const from = subChoices.has(sub) ? `command line ${sub}=${chosen}` : `defaults of ${file.path}`;
      const child = loadGroupOption(configDir, sub, chosen, from, [...chain, path], subChoices);
      node = deepMerge(node, { [e.group]: child.body }) as Record<string, unknown>;
    }
  }
  return { ...file, body: node, defaults: [] };
}
