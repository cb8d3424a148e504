import { ConfigError } from '../errors';
import { rankByCloseness, suggest } from '../did-you-mean';
import { isPlainObject } from './merge';

/** `trainer.maxEpochs` → `['trainer', 'maxEpochs']`; empty segments are rejected by the caller. */
export function splitPath(path: string): string[] {
  return path === '' ? [] : path.split('.');
}

export function joinPath(segments: ReadonlyArray<string | number>): string {
  return segments.join('.');
}

/** Child of a map or list by segment (list segments must be integer indices). */
export function childOf(node: unknown, segment: string): { found: boolean; value?: unknown } {
  if (Array.isArray(node)) {
    if (!/^\d+$/.test(segment)) return { found: false };
    const i = Number(segment);
    return i < node.length ? { found: true, value: node[i] } : { found: false };
  }
  if (isPlainObject(node) && Object.prototype.hasOwnProperty.call(node, segment)) {
    return { found: true, value: node[segment] };
  }
  return { found: false };
}

/** The value at `segments`, or `{ found: false, at }` with the depth where the walk stopped. */
export function lookup(root: unknown, segments: readonly string[]): { found: boolean; value?: unknown; depth: number } {
  let node = root;
  for (let i = 0; i < segments.length; i++) {
    const next = childOf(node, segments[i]);
    if (!next.found) return { found: false, depth: i };
    node = next.value;
  }
  return { found: true, value: node, depth: segments.length };
}

/** Human hint for a missing key: sibling names closest first, or the valid index range of a list. */
export function missingKeyHint(parent: unknown, segment: string): { hint: string; suggestions: string[] } {
  if (Array.isArray(parent)) {
    return { hint: ` (list has ${parent.length} item${parent.length === 1 ? '' : 's'}: indices 0..${parent.length - 1})`, suggestions: [] };
  }
  if (!isPlainObject(parent)) return { hint: ' (its parent is not a map)', suggestions: [] };
  const keys = Object.keys(parent);
  const hits = suggest(segment, keys);
  if (hits.length) return { hint: ` — did you mean '${hits[0]}'?`, suggestions: hits };
  const ranked = rankByCloseness(segment, keys).slice(0, 6);
  return { hint: ranked.length ? ` (keys there: ${ranked.join(', ')})` : ' (the map there is empty)', suggestions: [] };
}

/** Error for a path that does not exist in `root`, naming the deepest existing parent. */
export function missingPathError(root: unknown, segments: readonly string[], prefix: string): ConfigError {
  const { depth } = lookup(root, segments);
  const parent = lookup(root, segments.slice(0, depth)).value;
  const { hint, suggestions } = missingKeyHint(parent, segments[depth]);
  const full = joinPath(segments);
  const missing = joinPath(segments.slice(0, depth + 1));
  const where = missing === full ? `'${full}' does not exist` : `'${full}' does not exist: '${missing}' is missing`;
  return new ConfigError(`${prefix}: key ${where}${hint}`, { path: full, key: segments[depth], suggestions });
}
