import { join } from 'node:path';
import { ConfigError } from '../errors';
import {
  findOptionFile,
  isGroupDir,
  loadGroupOption,
  readConfigFile,
  unknownOptionError,
  type ConfigFile,
} from './config-group';
import { resolveInterpolations } from './interpolate';
import { cloneConfig, deepMerge, isPlainObject } from './merge';
import { applyOverride, parseOverride, type Override } from './override';
import { anchorImports } from './user-paths';

/** Groups whose option files merge at the root (Hydra's `# @package _global_`). */
export const GLOBAL_GROUPS: readonly string[] = ['experiment'];

export interface ComposeOptions {
  /** Folder with the primary config and the group folders (default `configs`). */
  configDir?: string;
  /** Primary config name without extension (default `train`). */
  configName?: string;
  /**
   * A complete config (e.g. a run's `config.yaml`) used instead of the primary config and its
   * defaults; `group=option` overrides still load from `configDir` and replace that node.
   */
  configFile?: string;
  /** Command-line overrides: `key=value`, `group=option`, `+key=value`, `++key=value`, `~key`. */
  overrides?: readonly string[];
  /** Resolve `${…}` interpolations (default true). */
  resolve?: boolean;
  /** Environment for `${env:…}` (default `process.env`). */
  env?: Record<string, string | undefined>;
}

export interface ComposeResult {
  config: Record<string, unknown>;
  /** The override tokens, as given (what `overrides.yaml` records). */
  overrides: string[];
  /** Group → chosen option (`null` for a disabled optional group), e.g. `{ model: 'simple_cnn' }`. */
  choices: Record<string, string | null>;
}

interface GroupItem {
  kind: 'group';
  group: string;
  option: string | null;
  optional: boolean;
  /** Where the choice came from, for error messages. */
  from: string;
  /** Replace the node instead of merging into it (group switch on a complete config file). */
  replace?: boolean;
}
type Item = { kind: 'self' } | GroupItem;

/**
 * Hydra-style composition: the primary config's `defaults:` list picks one option per group,
 * group switches from the command line and from experiment files change those choices, the
 * chosen files merge in list order (`_self_` = the primary's own keys, last by default), global
 * (experiment) files merge at the root after them, then key overrides apply, then `${…}` resolves.
 */
export function composeConfig(options: ComposeOptions = {}): ComposeResult {
  const configDir = options.configDir ?? 'configs';
  const tokens = [...(options.overrides ?? [])];
  const parsed = tokens.map(parseOverride);
  const primary = loadPrimary(options, configDir);
  const items = primaryItems(primary, Boolean(options.configFile));
  const knownGroups = new Set(items.flatMap((i) => (i.kind === 'group' ? [i.group] : [])));
  // On a complete file only `group=option` switches a group; `~model` / `model=null` edit the key.
  const isGroupOverride = (o: Override) =>
    o.group === undefined &&
    o.path.length === 1 &&
    (knownGroups.has(o.key) || isGroupDir(configDir, o.key)) &&
    (options.configFile ? o.op !== 'delete' && typeof o.value === 'string' : !o.hasValue || o.value === null || typeof o.value === 'string');
  const groupOverrides = parsed.filter(isGroupOverride);
  const keyOverrides = parsed.filter((o) => !isGroupOverride(o));

  const fromCommandLine = new Set<string>();
  // `model/backbone=r50`: a group chosen inside a group file's defaults, applied while loading it
  const subChoices = new Map<string, string | null>();
  for (const o of groupOverrides) {
    if (o.key.includes('/') && !findGroup(items, o.key)) setSubChoice(subChoices, o, configDir);
    else applyGroupOverride(items, o, Boolean(options.configFile), configDir);
    fromCommandLine.add(o.key);
  }

  const globals = applyGlobalDefaults(items, configDir, fromCommandLine);
  let config: Record<string, unknown> = {};
  for (const item of items) {
    if (item.kind === 'self') config = deepMerge(config, primary.body) as Record<string, unknown>;
    else if (item.option !== null && !globals.has(item)) config = mergeGroup(config, configDir, item, item.option, subChoices);
  }
  for (const file of globals.values()) config = deepMerge(config, file.body) as Record<string, unknown>;
  for (const o of keyOverrides) applyOverride(config, o.group && o.op !== 'delete' ? withGroupValue(o, configDir) : o);
  if (options.resolve !== false) config = resolveInterpolations(config, { env: options.env }) as Record<string, unknown>;

  const choices: Record<string, string | null> = {};
  for (const item of items) if (item.kind === 'group') choices[item.group] = item.option;
  for (const [group, option] of subChoices) choices[group] = option;
  for (const o of keyOverrides) if (o.group) choices[o.key] = o.op === 'delete' ? null : (o.value as string);
  return { config, overrides: tokens, choices };
}

/** Files merged at the root may list `imports:`; relative entries resolve against the file's folder. */
function withAnchoredImports(file: ConfigFile): ConfigFile {
  if (!('imports' in file.body)) return file;
  return { ...file, body: { ...file.body, imports: anchorImports(file.body.imports, file.path) } };
}

function loadPrimary(options: ComposeOptions, configDir: string): ConfigFile {
  return withAnchoredImports(readPrimary(options, configDir));
}

function readPrimary(options: ComposeOptions, configDir: string): ConfigFile {
  if (options.configFile) {
    const file = readConfigFile(options.configFile);
    if (file.defaults.length) {
      throw new ConfigError(`${file.path}: a complete config file (configFile) must not have a 'defaults' list`, { key: 'defaults' });
    }
    return file;
  }
  const name = options.configName ?? 'train';
  const path = findOptionFile(configDir, '', name) ?? join(configDir, `${name}.yaml`);
  return readConfigFile(path);
}

function primaryItems(primary: ConfigFile, complete: boolean): Item[] {
  const items: Item[] = [];
  for (const [i, e] of primary.defaults.entries()) {
    const from = `${primary.path} defaults[${i}]`;
    if (e.kind === 'self') items.push({ kind: 'self' });
    else if (e.kind === 'config') {
      throw new ConfigError(`${from}: '${e.name}' — the primary config's defaults take '<group>: <option>' entries or _self_`, {});
    } else items.push({ kind: 'group', group: e.group, option: e.option, optional: e.optional, from });
  }
  if (!items.some((i) => i.kind === 'self')) complete ? items.unshift({ kind: 'self' }) : items.push({ kind: 'self' });
  return items;
}

function findGroup(items: Item[], group: string): GroupItem | undefined {
  return items.find((i): i is GroupItem => i.kind === 'group' && i.group === group);
}

function applyGroupOverride(items: Item[], o: Override, complete: boolean, configDir: string): void {
  const existing = findGroup(items, o.key);
  const from = `command line '${o.token}'`;
  const option = (o.value ?? null) as string | null;
  if (o.op === 'delete') {
    if (!existing) throw new ConfigError(`Cannot delete group '${o.key}' (${from}): it is not in the defaults list`, { key: o.key });
    if (o.hasValue && existing.option !== option) {
      throw new ConfigError(`Cannot delete '${o.token}': group '${o.key}' is '${existing.option}', not '${String(option)}'`, { key: o.key });
    }
    items.splice(items.indexOf(existing), 1);
    return;
  }
  if (existing && o.op === 'add') {
    throw new ConfigError(`Cannot add '${o.token}': group '${o.key}' is already chosen ('${existing.option}'); use ${o.key}=${String(option)}`, { key: o.key });
  }
  if (existing) {
    Object.assign(existing, { option, from });
    return;
  }
  if (o.op === 'set' && !complete) {
    throw new ConfigError(
      `Cannot switch group '${o.key}' (${from}): it is not in the defaults list of the primary config; use +${o.token} to add it`,
      { key: o.key },
    );
  }
  if (option !== null && !findOptionFile(configDir, o.key, option)) throw unknownOptionError(configDir, o.key, option, from);
  items.push({ kind: 'group', group: o.key, option, optional: false, from, replace: complete });
}

/**
 * Loads the chosen global (experiment) files and applies their `defaults:` group switches
 * (`override /model: resnet`, `/data: csv`), unless the command line switched that group.
 */
function applyGlobalDefaults(items: Item[], configDir: string, fromCommandLine: Set<string>): Map<GroupItem, ConfigFile> {
  const globals = new Map<GroupItem, ConfigFile>();
  for (const item of [...items]) {
    if (item.kind !== 'group' || item.option === null) continue;
    const path = findOptionFile(configDir, item.group, item.option);
    if (!path) {
      if (item.optional) continue;
      throw unknownOptionError(configDir, item.group, item.option, item.from);
    }
    if (!GLOBAL_GROUPS.includes(item.group) && !readConfigFile(path).global) continue;
    const file = readConfigFile(path);
    for (const [i, e] of file.defaults.entries()) {
      const from = `${file.path} defaults[${i}]`;
      if (e.kind === 'self') continue;
      if (e.kind === 'config' || !e.absolute) {
        throw new ConfigError(`${from}: a global config switches groups with '/<group>: <option>' or 'override /<group>: <option>'`, {});
      }
      if (fromCommandLine.has(e.group)) continue;
      const target = findGroup(items, e.group);
      if (target) Object.assign(target, { option: e.option, from });
      else items.splice(items.indexOf(item), 0, { kind: 'group', group: e.group, option: e.option, optional: e.optional, from });
    }
    globals.set(item, withAnchoredImports(file));
  }
  return globals;
}

/** `augmentation@data.augmentation=strong` → the override with `augmentation/strong.yaml` as its value. */
function withGroupValue(o: Override, configDir: string): Override {
  const file = loadGroupOption(configDir, o.group!, o.value as string, `command line '${o.token}'`);
  return { ...o, value: file.isNull ? null : file.body };
}

function setSubChoice(subChoices: Map<string, string | null>, o: Override, configDir: string): void {
  const option = (o.value ?? null) as string | null;
  if (o.op === 'delete') subChoices.set(o.key, null);
  else if (option !== null && !findOptionFile(configDir, o.key, option)) throw unknownOptionError(configDir, o.key, option, `command line '${o.token}'`);
  else subChoices.set(o.key, option);
}

function mergeGroup(
  config: Record<string, unknown>,
  configDir: string,
  item: GroupItem,
  option: string,
  subChoices: ReadonlyMap<string, string | null>,
): Record<string, unknown> {
  if (item.optional && !findOptionFile(configDir, item.group, option)) return config;
  const file = loadGroupOption(configDir, item.group, option, item.from, [], subChoices);
  const node = file.body;
  const segments = item.group.split('/');
  const out = cloneConfig(config);
  let parent = out;
  for (const seg of segments.slice(0, -1)) {
    if (!isPlainObject(parent[seg])) parent[seg] = {};
    parent = parent[seg] as Record<string, unknown>;
  }
  const last = segments[segments.length - 1];
  parent[last] = file.isNull ? null : item.replace ? cloneConfig(node) : deepMerge(parent[last] ?? {}, node);
  return out;
}
