import { ConfigError } from '../errors';

/**
 * A swept value, after Hydra's extended override grammar:
 * `a,b,c` and `choice(a,b,c)` list discrete options, `range(a,b[,step])` counts from a
 * (inclusive) to b (exclusive), `interval(a,b)` / `log_interval(a,b)` are continuous and
 * only make sense for a sampling sweeper. Discrete options are kept as the raw override
 * text of each element (quotes included), so the job's `key=<element>` parses exactly as
 * a single override would.
 */
export type SweepSpec =
  | { kind: 'choice'; values: string[] }
  | { kind: 'range'; values: string[]; start: number; stop: number; step: number }
  | { kind: 'interval'; low: number; high: number; log: boolean };

const OPEN: Record<string, string> = { '[': ']', '{': '}', '(': ')' };
const CLOSE = new Set(Object.values(OPEN));
/** Characters a backslash may escape outside quotes (Hydra: `\,` `\(` `\ ` …). */
const ESCAPABLE = new Set([',', '(', ')', '[', ']', '{', '}', ' ', '=', ':', '\\', "'", '"']);
const FUNCTION = /^(range|choice|interval|log_interval)\s*\(([\s\S]*)\)$/;
/** Largest grid a `range()` may produce, so a typo (`range(0,1e9)`) fails instead of hanging. */
export const MAX_RANGE_VALUES = 10_000;

function bad(text: string, why: string): ConfigError {
  return new ConfigError(`Malformed sweep '${text}': ${why}`, {});
}

/**
 * Splits `text` at commas outside quotes and brackets. Each part is trimmed; backslash
 * escapes are resolved (`a\,b` → `a,b`), quoted parts keep their quotes.
 */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  const stack: string[] = [];
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      current += ch;
      if (ch === '\\' && i + 1 < text.length) current += text[++i];
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '\\' && i + 1 < text.length && ESCAPABLE.has(text[i + 1])) {
      current += text[++i];
      continue;
    }
    // a quote opens a quoted string only at the start of an element (`it's` stays plain)
    if ((ch === "'" || ch === '"') && current.trim() === '') quote = ch;
    else if (ch in OPEN) stack.push(OPEN[ch]);
    else if (CLOSE.has(ch)) {
      if (stack.pop() !== ch) throw bad(text, `unbalanced '${ch}' at position ${i + 1}`);
    } else if (ch === ',' && stack.length === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (quote) throw bad(text, `unterminated ${quote} quote`);
  if (stack.length) throw bad(text, `missing '${stack[stack.length - 1]}'`);
  parts.push(current.trim());
  return parts;
}

function toNumber(text: string, raw: string, what: string): number {
  const n = Number(text.replace(/_/g, ''));
  if (text === '' || !Number.isFinite(n)) throw bad(raw, `${what} must be a number, got '${text}'`);
  return n;
}

/** Positional and `name=value` arguments of a sweep function, by parameter name. */
function namedArgs(args: string[], names: string[], raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  args.forEach((arg, i) => {
    const m = /^([A-Za-z_]+)\s*=\s*([\s\S]*)$/.exec(arg);
    const name = m ? m[1] : names[i];
    if (!name || !names.includes(name)) throw bad(raw, `unexpected argument '${arg}' (parameters: ${names.join(', ')})`);
    if (name in out) throw bad(raw, `'${name}' given twice`);
    out[name] = m ? m[2].trim() : arg;
  });
  return out;
}

/** `0.1 + 0.2` must print as `0.3`: 12 significant digits hide binary-float noise. */
export function formatNumber(n: number): string {
  return String(Number(n.toPrecision(12)));
}

function parseRange(args: string[], raw: string): SweepSpec {
  const a = namedArgs(args, ['start', 'stop', 'step'], raw);
  if (a.start === undefined || a.stop === undefined) throw bad(raw, 'range needs start and stop: range(start, stop[, step])');
  const start = toNumber(a.start, raw, 'start');
  const stop = toNumber(a.stop, raw, 'stop');
  const step = a.step === undefined ? 1 : toNumber(a.step, raw, 'step');
  if (step === 0) throw bad(raw, 'step must not be 0');
  const count = Math.ceil((stop - start) / step - 1e-9);
  if (count <= 0) throw bad(raw, `range(${a.start}, ${a.stop}, ${step}) is empty (stop is exclusive)`);
  if (count > MAX_RANGE_VALUES) throw bad(raw, `range has ${count} values (more than ${MAX_RANGE_VALUES})`);
  const values = Array.from({ length: count }, (_, i) => formatNumber(start + i * step));
  return { kind: 'range', values, start, stop, step };
}

function parseInterval(args: string[], raw: string, log: boolean): SweepSpec {
  const a = namedArgs(args, ['start', 'end'], raw);
  if (a.start === undefined || a.end === undefined) throw bad(raw, `${log ? 'log_interval' : 'interval'} needs two bounds: (low, high)`);
  const low = toNumber(a.start, raw, 'low');
  const high = toNumber(a.end, raw, 'high');
  if (!(low < high)) throw bad(raw, `low must be below high (got ${low}, ${high})`);
  if (log && low <= 0) throw bad(raw, `log_interval needs positive bounds (got ${low})`);
  return { kind: 'interval', low, high, log };
}

/**
 * Parses an override's value. Returns the sweep it describes, or undefined for a single
 * value (no top-level comma, no sweep function): quoted `'a,b'`, lists `[1,2]` and escaped
 * `a\,b` are single values.
 */
export function parseSweepValue(text: string): SweepSpec | undefined {
  const trimmed = text.trim();
  const fn = FUNCTION.exec(trimmed);
  if (fn && splitTopLevel(trimmed).length === 1) {
    const args = fn[2].trim() === '' ? [] : splitTopLevel(fn[2]);
    if (args.some((a) => a === '')) throw bad(text, 'empty argument');
    if (fn[1] === 'range') return parseRange(args, text);
    if (fn[1] === 'interval' || fn[1] === 'log_interval') return parseInterval(args, text, fn[1] === 'log_interval');
    if (args.length === 0) throw bad(text, 'choice() needs at least one option');
    if (args.some((a) => FUNCTION.test(a))) throw bad(text, 'sweeps cannot be nested');
    return { kind: 'choice', values: args };
  }
  const parts = splitTopLevel(trimmed);
  if (parts.length === 1) return undefined;
  if (parts.some((p) => p === '')) throw bad(text, "empty option (a leading, trailing or doubled ','); quote it for a literal comma");
  if (parts.some((p) => FUNCTION.test(p))) throw bad(text, 'a sweep function cannot be one option of a list');
  return { kind: 'choice', values: parts };
}

/** The value of a single (non-sweep) override with its escapes resolved: `a\,b` → `a,b`. */
export function unescapeValue(text: string): string {
  return splitTopLevel(text)[0] ?? '';
}

/** Human form for logs and `multirun.yaml`: `choice(a, b)`, `range(1, 5, 1)`, `log_interval(1e-4, 1e-2)`. */
export function describeSweep(spec: SweepSpec): string {
  switch (spec.kind) {
    case 'choice':
      return `choice(${spec.values.join(', ')})`;
    case 'range':
      return `range(${spec.start}, ${spec.stop}, ${spec.step})`;
    case 'interval':
      return `${spec.log ? 'log_interval' : 'interval'}(${spec.low}, ${spec.high})`;
  }
}
