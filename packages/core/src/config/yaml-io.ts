import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, stringify, YAMLError } from 'yaml';
import { ConfigError } from '../errors';

// YAML 1.2 already reads `1e-3` as a number; this also accepts the forms YAML 1.1 users write
// (`1.e-3`, `+1E3`) so an override never turns a learning rate into a string by accident.
const NUMBER_LIKE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Plain (unquoted) scalar text → the value YAML would give it, with exponent floats as numbers. */
function coerceNumbers(value: unknown): unknown {
  if (typeof value === 'string' && NUMBER_LIKE.test(value)) return Number(value);
  return value;
}

/**
 * Parses YAML text. Errors name `source` (usually the file) and the line/column, so a typo in
 * `configs/model/resnet.yaml` is reported there, not as a bare parser message.
 */
export function parseYaml(text: string, source = '<string>'): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  const problem = doc.errors[0];
  if (problem) throw yamlError(problem, source, lines);
  const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  return value === undefined ? null : value;
}

function yamlError(err: YAMLError, source: string, lines: LineCounter): ConfigError {
  const pos = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
  const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
  const firstLine = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return new ConfigError(`Invalid YAML in ${where}: ${firstLine}`, {}, { cause: err });
}

/** Reads and parses a YAML file; a missing file or a syntax error is a ConfigError naming the file. */
export function loadYamlFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`Cannot read config file ${path}${code ? ` (${code})` : ''}`, {}, { cause: err });
  }
  return parseYaml(text, path);
}

/**
 * Parses one override value (`[28,28]`, `null`, `1e-3`, `'quoted'`) as YAML. Unquoted text that
 * is not valid YAML on its own is a ConfigError naming `token`.
 */
export function parseYamlValue(text: string, token: string): unknown {
  if (text === '') return '';
  let value: unknown;
  try {
    value = parseYaml(text, `override '${token}'`);
  } catch (err) {
    const reason = (err as Error).message.replace(/^Invalid YAML in override '.*?'(:\d+:\d+)?: /, '');
    throw new ConfigError(`Malformed override '${token}': cannot parse value '${text}' (${reason})`, {}, { cause: err });
  }
  return isQuoted(text) ? value : coerceNumbers(value);
}

function isQuoted(text: string): boolean {
  const t = text.trim();
  return t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0];
}

/** Config → YAML text (block style, no line wrapping, so files diff cleanly). */
export function stringifyYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Same as `stringifyYaml` (the name the CLI uses for `--cfg`). */
export const toYaml = stringifyYaml;
