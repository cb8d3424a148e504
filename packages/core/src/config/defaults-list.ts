import { ConfigError } from '../errors';
import { isPlainObject } from './merge';

/** One entry of a `defaults:` list. */
export type DefaultsEntry =
  | { kind: 'self' }
  /** `- simple_cnn` inside a group file: another option of the same group (extension). */
  | { kind: 'config'; name: string }
  /**
   * `- model: simple_cnn`, `- experiment: null`, `- optional logger: x`, `- /data: csv`,
   * `- override /model: resnet`.
   */
  | { kind: 'group'; group: string; option: string | null; absolute: boolean; override: boolean; optional: boolean };

const GROUP_KEY = /^(?:(override|optional)\s+)?(\/)?([A-Za-z0-9_][A-Za-z0-9_\-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_\-]*)*)$/;

/** Validates and normalises a file's `defaults:` list; errors name the file and the entry. */
export function parseDefaultsList(raw: unknown, file: string): DefaultsEntry[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ConfigError(`'defaults' in ${file} must be a list, got ${typeof raw}`, { key: 'defaults' });
  return raw.map((item, i) => parseEntry(item, `${file} defaults[${i}]`));
}

function parseEntry(item: unknown, where: string): DefaultsEntry {
  if (item === '_self_') return { kind: 'self' };
  if (typeof item === 'string' && item.trim() !== '') return { kind: 'config', name: item.trim() };
  if (isPlainObject(item) && Object.keys(item).length === 1) {
    const [key, value] = Object.entries(item)[0];
    const m = GROUP_KEY.exec(key.trim());
    if (!m) throw new ConfigError(`${where}: '${key}' is not a group name (expected e.g. 'model', '/model', 'override /model')`, {});
    if (value !== null && typeof value !== 'string') {
      throw new ConfigError(`${where}: option for group '${m[3]}' must be a name or null, got ${JSON.stringify(value)}`, {});
    }
    return {
      kind: 'group',
      group: m[3],
      option: value,
      absolute: m[2] === '/',
      override: m[1] === 'override',
      optional: m[1] === 'optional',
    };
  }
  throw new ConfigError(`${where}: expected '_self_', a config name or '<group>: <option>', got ${JSON.stringify(item)}`, {});
}
