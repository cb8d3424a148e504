import { readFileSync } from 'node:fs';
import type { Document, LineCounter, YAMLError } from 'yaml';
import { ConfigError } from '../errors';

// Loaded on first use, not when @kiln/core is imported: the decode worker threads import core (for
// Rng) and never parse YAML, and each would pay for loading the parser at start (issue 21).
let yamlModule: typeof import('yaml') | undefined;
const Y = (): typeof import('yaml') => (yamlModule ??= require('yaml') as typeof import('yaml'));

// YAML 1.2 already reads `1e-3` as a number; this also accepts the forms YAML 1.1 users write
// (`1.e-3`, `+1E3`) so an override never turns a learning rate into a string by accident.
const NUMBER_LIKE = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Plain (unquoted) scalar text → the value YAML would give it, with exponent floats as numbers. */
function coerceNumbers(value: unknown): unknown {
  if (typeof value === 'string' && NUMBER_LIKE.test(value)) return Number(value);
  return value;
}

/** Deeper than this is refused: no real config comes close, and recursive passes must not overflow. */
export const MAX_CONFIG_DEPTH = 100;

/**
 * Parses YAML text. Errors name `source` (usually the file) and the line/column, so a typo in
 * `configs/model/resnet.yaml` is reported there, not as a bare parser message. Hostile input
 * (deep nesting, alias bombs, `__proto__` keys, tags that build non-config objects, numbers that
 * do not fit a double) is one ConfigError, never a crash or a hang.
 */
export function parseYaml(text: string, source = '<string>'): unknown {
  checkFlowDepth(text, source);
  const lines = new (Y().LineCounter)();
  // resolveKnownTags off: `!!binary`/`!!set`/`!!timestamp` would build Buffers, Sets and Dates
  const doc = Y().parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines, resolveKnownTags: false });
  const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (problem) throw yamlError(problem, source, lines);
  let value: unknown;
  try {
    checkNodes(doc, source, lines);
    value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const message = (err as Error).message ?? String(err);
    const why = /excessive alias/i.test(message)
      ? 'aliases expand too much (an alias bomb?)'
      : /call stack/i.test(message)
        ? `nested deeper than ${MAX_CONFIG_DEPTH} levels`
        : message.split('\n')[0];
    throw new ConfigError(`Invalid YAML in ${source}: ${why}`, {}, { cause: err });
  }
  checkValueDepth(value, source);
  return value === undefined ? null : value;
}

/**
 * The yaml parser recurses per nesting level; near the stack limit V8 can abort the whole process
 * (seen: "RegExpCompiler Allocation failed" on `- - - …` 100k deep), so depth is bounded first.
 * Block nesting needs at least one column of indentation or indicator per two levels; flow
 * collections (`{[{[…`) are counted from tokens.
 */
function checkFlowDepth(text: string, source: string): void {
  const deep = /^[ \t?:-]{200}/m.exec(text);
  if (deep) {
    const line = text.slice(0, deep.index).split('\n').length;
    throw new ConfigError(`Invalid YAML in ${source}:${line}:1: indented or nested more than 200 columns deep`, {});
  }
  if (!/[[{]/.test(text)) return;
  let depth = 0;
  for (const token of new (Y().Lexer)().lex(text)) {
    if (token === '[' || token === '{') depth++;
    else if (token === ']' || token === '}') depth--;
    if (depth > MAX_CONFIG_DEPTH) throw new ConfigError(`Invalid YAML in ${source}: nested deeper than ${MAX_CONFIG_DEPTH} levels`, {});
  }
}

function at(source: string, lines: LineCounter, offset: number | undefined): string {
  const pos = offset === undefined ? undefined : lines.linePos(offset);
  return pos ? `${source}:${pos.line}:${pos.col}` : source;
}

/** Keys must be plain text and not `__proto__`; number literals must fit a double exactly enough. */
function checkNodes(doc: Document, source: string, lines: LineCounter): void {
  const { isScalar } = Y();
  Y().visit(doc, {
    Pair(_, pair) {
      const key = pair.key;
      if (key !== null && !isScalar(key)) {
        throw new ConfigError(`Invalid YAML in ${at(source, lines, (key as { range?: number[] }).range?.[0])}: map keys must be plain names, not collections`, {});
      }
      if (isScalar(key) && key.value === '__proto__') {
        throw new ConfigError(`Invalid YAML in ${at(source, lines, key.range?.[0])}: the key '__proto__' is not allowed`, {});
      }
    },
    Scalar(_, node) {
      if (typeof node.value !== 'number') return;
      const text = node.source ?? '';
      if (!Number.isFinite(node.value) && !/inf|nan/i.test(text)) {
        throw new ConfigError(`Invalid YAML in ${at(source, lines, node.range?.[0])}: the number ${text} is out of range (use .inf for infinity)`, {});
      }
      if (Number.isInteger(node.value) && !Number.isSafeInteger(node.value) && /^[-+]?(0x|0o)?[0-9a-f]+$/i.test(text)) {
        throw new ConfigError(
          `Invalid YAML in ${at(source, lines, node.range?.[0])}: the integer ${text} cannot be represented exactly (quote it for text)`,
          {},
        );
      }
    },
  });
}

/** Aliases can nest a value deeper than its text shows; this walk is iterative, so it cannot overflow. */
function checkValueDepth(value: unknown, source: string): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= MAX_CONFIG_DEPTH) throw new ConfigError(`Invalid YAML in ${source}: nested deeper than ${MAX_CONFIG_DEPTH} levels`, {});
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
}

function yamlError(err: YAMLError, source: string, lines: LineCounter): ConfigError {
  const pos = err.linePos?.[0] ?? lines.linePos(err.pos[0]);
  const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
  let firstLine = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (/call stack/i.test(firstLine)) firstLine = `nested deeper than ${MAX_CONFIG_DEPTH} levels`;
  if (err.code === 'TAG_RESOLVE_FAILED') firstLine += ' (configs take plain YAML: maps, lists, text, numbers, booleans, null)';
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
    value = parseYaml(hydraFlowMapping(text), `override '${token}'`);
  } catch (err) {
    const reason = (err as Error).message.replace(/^Invalid YAML in override '.*?'(:\d+:\d+)?: /, '');
    throw new ConfigError(`Malformed override '${token}': cannot parse value '${text}' (${reason})`, {}, { cause: err });
  }
  if (isQuoted(text)) return value;
  const n = coerceNumbers(value);
  if (typeof n === 'number' && typeof value === 'string' && (!Number.isFinite(n) || (Number.isInteger(n) && !Number.isSafeInteger(n)))) {
    throw new ConfigError(`Malformed override '${token}': the number '${text}' cannot be represented exactly (quote it for text)`, {});
  }
  return n;
}

/**
 * Hydra's override grammar writes dicts as `{decay:0.99,warmup:10}`; YAML reads `decay:0.99` there
 * as one key with a null value unless a space follows the colon. Inside a flow value (starting with
 * `{` or `[`) a bare key right after `{` or `,` gets that space.
 */
function hydraFlowMapping(text: string): string {
  const t = text.trimStart();
  if (t[0] !== '{' && t[0] !== '[') return text;
  return text.replace(/([{,]\s*)([A-Za-z_][\w-]*):(?=[^\s/])/g, '$1$2: ');
}

function isQuoted(text: string): boolean {
  const t = text.trim();
  return t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0];
}

/** Config → YAML text (block style, no line wrapping, so files diff cleanly). */
export function stringifyYaml(value: unknown): string {
  return Y().stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Same as `stringifyYaml` (the name the CLI uses for `--cfg`). */
export const toYaml = stringifyYaml;
