import { ConfigError } from '../errors';
import { cloneConfig, isPlainObject } from './merge';
import { joinPath, lookup, missingPathError } from './path';
import { MAX_CONFIG_DEPTH, parseYaml } from './yaml-io';

// Hostile or runaway configs (`a: ${b}${b}`, `b: ${c}${c}`, …) must fail fast, not fill memory.
const MAX_REFERENCE_DEPTH = MAX_CONFIG_DEPTH;
const MAX_STRING_LENGTH = 1 << 20;
const MAX_COPIED_NODES = 1_000_000;

/** Nodes in a config value (maps, lists, scalars), counting no further than `limit`. */
function countNodes(value: unknown, limit: number): number {
  let n = 0;
  const stack = [value];
  while (stack.length && n <= limit) {
    const v = stack.pop();
    n++;
    if (v !== null && typeof v === 'object') stack.push(...Object.values(v));
  }
  return n;
}

export interface InterpolationOptions {
  /** Environment for `${env:VAR}` (default `process.env`). */
  env?: Record<string, string | undefined>;
}

type Part = { literal: string } | { expr: string };

/** Splits `a${x.y}b` into literal and `${…}` parts; `\${` stays a literal `${`. */
function splitInterpolations(text: string, key: string): Part[] {
  const parts: Part[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('\\${', i)) {
      literal += '${';
      i += 3;
    } else if (text.startsWith('${', i)) {
      const end = closingBrace(text, i + 2);
      if (end < 0) throw new ConfigError(`Unclosed '\${' in the value of '${key}': ${JSON.stringify(text)}`, { path: key });
      if (literal) parts.push({ literal });
      literal = '';
      parts.push({ expr: text.slice(i + 2, end) });
      i = end + 1;
    } else {
      literal += text[i++];
    }
  }
  if (literal || parts.length === 0) parts.push({ literal });
  return parts;
}

/** Index of the `}` closing an interpolation opened before `from`, counting nested `${`. */
function closingBrace(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    if (text.startsWith('${', i)) {
      depth++;
      i++;
    } else if (text[i] === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** First `,` outside nested `${…}` (separates an env var name from its default). */
function topLevelComma(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith('${', i)) {
      depth++;
      i++;
    } else if (text[i] === '}') depth--;
    else if (text[i] === ',' && depth === 0) return i;
  }
  return -1;
}

/**
 * `a.b` is absolute; `.x` is a sibling of the key holding the interpolation, `..x` a sibling of its
 * parent, and so on (OmegaConf's relative form). Undefined when the dots climb above the root.
 */
function absoluteSegments(path: string, holder: string): string[] | undefined {
  const dots = /^\.*/.exec(path)![0].length;
  if (dots === 0) return path.split('.');
  const parent = holder.split('.').slice(0, -1);
  if (dots - 1 > parent.length) return undefined;
  const rest = path.slice(dots);
  return [...parent.slice(0, parent.length - (dots - 1)), ...(rest === '' ? [] : rest.split('.'))];
}

/** Env values and defaults are text; scalars that read as numbers/booleans/null become those. */
function scalarFromText(text: string): unknown {
  if (text.trim() === '') return text;
  try {
    const v = parseYaml(text);
    return v === null || ['number', 'boolean'].includes(typeof v) ? v : text;
  } catch {
    return text;
  }
}

function embed(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
}

/**
 * Resolves `${a.b}` (absolute path; alone it keeps the referenced value's type, inside text it
 * is stringified), `${.sibling}` / `${..uncle}` (relative to the key holding it), `${env:VAR}` / `${env:VAR,default}`, nested and chained references.
 * Cycles and missing keys are ConfigErrors naming the key that holds the interpolation.
 * Returns a new config; the input is not modified.
 */
export function resolveInterpolations(config: unknown, options: InterpolationOptions = {}): unknown {
  const env = options.env ?? process.env;
  const root = { value: cloneConfig(config) };
  const done = new Set<string>();
  const stack: string[] = [];
  let evaluating = 0;
  let copied = 0;

  const setAt = (segments: string[], value: unknown): void => {
    if (segments.length === 0) {
      root.value = value;
      return;
    }
    const parent = lookup(root.value, segments.slice(0, -1)).value as Record<string, unknown>;
    parent[segments[segments.length - 1]] = value;
  };

  const resolveAt = (segments: string[]): unknown => {
    const key = joinPath(segments);
    const current = lookup(root.value, segments).value;
    if (done.has(key)) return current;
    if (stack.includes(key)) {
      const cycle = [...stack.slice(stack.indexOf(key)), key].map((k) => k || '<root>');
      throw new ConfigError(`Interpolation cycle: ${cycle.join(' → ')}`, { path: stack[stack.length - 1] });
    }
    stack.push(key);
    if (typeof current === 'string') setAt(segments, resolveString(current, key));
    else if (Array.isArray(current)) current.forEach((_, i) => resolveAt([...segments, String(i)]));
    else if (isPlainObject(current)) for (const k of Object.keys(current)) resolveAt([...segments, k]);
    stack.pop();
    done.add(key);
    return lookup(root.value, segments).value;
  };

  const resolveString = (text: string, key: string): unknown => {
    if (!text.includes('${')) return text;
    const parts = splitInterpolations(text, key);
    const values = parts.map((p) => ('literal' in p ? p.literal : evaluate(p.expr, key)));
    if (parts.length === 1 && 'expr' in parts[0]) return values[0];
    const pieces = values.map(embed);
    const length = pieces.reduce((n, p) => n + p.length, 0);
    if (length > MAX_STRING_LENGTH) {
      throw new ConfigError(`Interpolation in '${key}' builds a text of ${length} characters (more than ${MAX_STRING_LENGTH}); check for references that repeat each other`, { path: key });
    }
    return pieces.join('');
  };

  const evaluate = (expr: string, key: string): unknown => {
    if (++evaluating > MAX_REFERENCE_DEPTH) {
      throw new ConfigError(`Interpolation in '${key}' nests or chains references more than ${MAX_REFERENCE_DEPTH} levels deep`, { path: key });
    }
    try {
      return evaluateExpr(expr, key);
    } finally {
      evaluating--;
    }
  };

  const evaluateExpr = (expr: string, key: string): unknown => {
    const shown = `\${${expr}}`;
    if (expr.startsWith('env:')) {
      const body = expr.slice(4);
      const comma = topLevelComma(body);
      const name = embed(resolveString(comma < 0 ? body : body.slice(0, comma), key)).trim();
      const value = env[name];
      if (value !== undefined) return scalarFromText(value);
      if (comma >= 0) {
        const fallback = resolveString(body.slice(comma + 1).trim(), key);
        return typeof fallback === 'string' ? scalarFromText(fallback) : fallback;
      }
      throw new ConfigError(
        `Environment variable '${name}' is not set (needed by '${key}': ${shown}); set it or give a default: \${env:${name},<default>}`,
        { path: key, key: name },
      );
    }
    const path = embed(resolveString(expr, key)).trim();
    const segments = absoluteSegments(path, key);
    if (!segments || segments.length === 0 || segments.some((s) => s === '')) {
      throw new ConfigError(
        `Bad interpolation ${shown} in '${key}': expected a dotted path like \${model.width} (absolute) or \${.width} (relative)`,
        { path: key },
      );
    }
    if (!lookup(root.value, segments).found) throw missingPathError(root.value, segments, `Interpolation ${shown} in '${key}' refers to a missing key`);
    const value = resolveAt(segments);
    if (value !== null && typeof value === 'object') {
      copied += countNodes(value, MAX_COPIED_NODES);
      if (copied > MAX_COPIED_NODES) {
        throw new ConfigError(`Interpolations expand the config past ${MAX_COPIED_NODES} values (at '${key}': ${shown}); check for references that repeat each other`, { path: key });
      }
    }
    return cloneConfig(value);
  };

  resolveAt([]);
  return root.value;
}

/**
 * Escapes every `${` in string values as `\${`, so a resolved config written to disk reads back
 * (and resolves) to the same values instead of being interpolated a second time.
 */
export function escapeInterpolations(config: unknown): unknown {
  if (typeof config === 'string') return config.replace(/\$\{/g, '\\${');
  if (Array.isArray(config)) return config.map(escapeInterpolations);
  if (isPlainObject(config)) {
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, escapeInterpolations(v)]));
  }
  return config;
}
