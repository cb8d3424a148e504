import { ConfigError } from '../errors';
import { isPlainObject } from './merge';
import { childOf, joinPath, lookup, missingPathError } from './path';
import { MAX_CONFIG_DEPTH, parseYamlValue, stringifyYaml } from './yaml-io';

/** `key=v` sets an existing key, `+key=v` adds a new one, `++key=v` adds or sets, `~key` deletes. */
export type OverrideOp = 'set' | 'add' | 'force' | 'delete';

export interface Override {
  /** The command-line token, as given (for error messages and `overrides.yaml`). */
  token: string;
  op: OverrideOp;
  /** Key as written: dotted path (`trainer.maxEpochs`) or group (`model`, `model/backbone`). */
  key: string;
  path: string[];
  /**
   * `augmentation@data.augmentation=strong`: the option file `augmentation/strong.yaml` is the value,
   * placed at the path after `@` (Hydra's package override). Absent for plain keys.
   */
  group?: string;
  /** False only for `~key` without `=value`. */
  hasValue: boolean;
  value?: unknown;
}

// A segment is a name or a list index; `/` separates nested group names (`model/backbone=r18`).
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_\-/]*$/;

function malformed(token: string, why: string): ConfigError {
  return new ConfigError(`Malformed override '${token}': ${why}`, {});
}

/** Parses one command-line override token; the value is parsed as YAML (`[28,28]`, `null`, `1e-3`). */
export function parseOverride(token: string): Override {
  let rest = token.trim();
  let op: OverrideOp = 'set';
  if (rest.startsWith('~')) [op, rest] = ['delete', rest.slice(1)];
  else if (rest.startsWith('++')) [op, rest] = ['force', rest.slice(2)];
  else if (rest.startsWith('+')) [op, rest] = ['add', rest.slice(1)];
  const eq = rest.indexOf('=');
  const key = eq < 0 ? rest : rest.slice(0, eq);
  if (eq < 0 && op !== 'delete') {
    throw malformed(token, `expected key=value (or ~key to delete)`);
  }
  if (key === '') throw malformed(token, `missing key before '='`);
  const at = key.indexOf('@');
  const group = at < 0 ? undefined : key.slice(0, at);
  if (group !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_\-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_\-]*)*$/.test(group)) {
    throw malformed(token, `'${group}' before '@' is not a config group name`);
  }
  const path = key.slice(at + 1).split('.');
  const bad = path.findIndex((s) => s === '');
  if (bad >= 0) throw malformed(token, `empty segment in key '${key}' (check for '..' or a leading/trailing '.')`);
  if (path.length > MAX_CONFIG_DEPTH) throw malformed(token, `key has ${path.length} segments (at most ${MAX_CONFIG_DEPTH})`);
  if (path.includes('__proto__')) throw malformed(token, `'__proto__' is not allowed as a key`);
  const invalid = path.find((s) => !SEGMENT.test(s));
  if (invalid !== undefined) {
    throw malformed(token, `'${invalid}' in key '${key}' is not a valid key (letters, digits, '_', '-')`);
  }
  if (eq < 0) return { token, op, key, path, hasValue: false, ...(group ? { group } : {}) };
  const value = parseYamlValue(rest.slice(eq + 1), token);
  if (group !== undefined && typeof value !== 'string') {
    throw malformed(token, `'${group}@…' takes an option name of group '${group}', got ${JSON.stringify(value)}`);
  }
  return { token, op, key, path, hasValue: true, value, ...(group ? { group } : {}) };
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function describe(value: unknown): string {
  return stringifyYaml(value).trim();
}

/** Walks to the parent of the last segment, creating maps on the way when `create` is set. */
function parentFor(config: Record<string, unknown>, o: Override, create: boolean): unknown {
  let node: unknown = config;
  for (let i = 0; i < o.path.length - 1; i++) {
    const seg = o.path[i];
    const next = childOf(node, seg);
    if (next.found && (isPlainObject(next.value) || Array.isArray(next.value))) {
      node = next.value;
      continue;
    }
    if (next.found) {
      throw new ConfigError(
        `Cannot apply override '${o.token}': '${joinPath(o.path.slice(0, i + 1))}' is ${describe(next.value)}, not a map`,
        { path: o.key, key: seg },
      );
    }
    if (!create || !isPlainObject(node)) throw missingPathError(config, o.path, `Cannot override '${o.token}'`);
    const created: Record<string, unknown> = {};
    node[seg] = created;
    node = created;
  }
  return node;
}

/** Applies one key override to `config` in place. */
export function applyOverride(config: Record<string, unknown>, o: Override): void {
  const last = o.path[o.path.length - 1];
  const parent = parentFor(config, o, o.op === 'add' || o.op === 'force');
  const current = childOf(parent, last);
  if (Array.isArray(parent) && !/^\d+$/.test(last)) {
    throw new ConfigError(`Cannot apply override '${o.token}': '${joinPath(o.path.slice(0, -1))}' is a list; use an index`, {
      path: o.key,
      key: last,
    });
  }
  switch (o.op) {
    case 'set':
      if (!current.found) throw missingPathError(config, o.path, `Cannot override '${o.token}'`);
      break;
    case 'add':
      if (current.found) {
        throw new ConfigError(
          `Cannot add '${o.token}': '${o.key}' already exists (value ${describe(current.value)}); '+' only adds new keys — ` +
            `to change it use '${o.token.trim().slice(1)}', or '+${o.token.trim()}' to add or replace`,
          { path: o.key, key: last },
        );
      }
      break;
    case 'force':
      break;
    case 'delete': {
      if (!current.found) throw missingPathError(config, o.path, `Cannot delete '${o.token}'`);
      if (o.hasValue && !deepEqual(current.value, o.value)) {
        throw new ConfigError(
          `Cannot delete '${o.token}': '${o.key}' is ${describe(current.value)}, not ${describe(o.value)}`,
          { path: o.key, key: last },
        );
      }
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete (parent as Record<string, unknown>)[last];
      return;
    }
  }
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (i > parent.length) {
      throw new ConfigError(
        `Cannot apply override '${o.token}': index ${i} is past the end of '${joinPath(o.path.slice(0, -1))}' (length ${parent.length})`,
        { path: o.key, key: last },
      );
    }
    parent[i] = o.value;
  } else {
    (parent as Record<string, unknown>)[last] = o.value;
  }
}

/** Applies key overrides in order (a later override sees the earlier ones). */
export function applyOverrides(config: Record<string, unknown>, overrides: readonly Override[]): Record<string, unknown> {
  for (const o of overrides) applyOverride(config, o);
  return config;
}

/** True when `path` exists in `config` (map keys and list indices). */
export function hasPath(config: unknown, path: readonly string[]): boolean {
  return lookup(config, path).found;
}
