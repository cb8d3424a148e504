import { ConfigError } from '@kiln/core';

/**
 * Checkpoint file name patterns, e.g. `epoch={epoch:03d}-{monitor}={value:.4f}`.
 *
 * Grammar: literal text with `{name}` or `{name:spec}` placeholders.
 * - `name`: `epoch` (0-based), `step` (global step), `monitor` (the monitored metric's name with
 *   `/` turned into `_`), `value` (the monitored value), or any logged metric key (`{val/loss:.3f}`).
 * - `spec`: `d` integer, `0Nd` integer zero-padded to N digits, `.Nf` N decimals, `.Ne` exponent
 *   notation. Without a spec numbers print as JavaScript prints them.
 * `/` and `\` in the result become `_` so a metric name never creates a folder.
 */
export interface PatternValues {
  epoch: number;
  step: number;
  monitor: string;
  value: number | undefined;
  metrics: Readonly<Record<string, number>>;
}

interface Placeholder {
  name: string;
  spec: string | undefined;
}
type Part = string | Placeholder;

const SPEC = /^(?:0?\d*d|\.\d+[fe])$/;

export function parseFilenamePattern(pattern: string): Part[] {
  const parts: Part[] = [];
  let rest = pattern;
  while (rest.length) {
    const open = rest.indexOf('{');
    const close = rest.indexOf('}');
    if (close !== -1 && (open === -1 || close < open)) throw badPattern(pattern, `'}' without '{'`);
    if (open === -1) {
      parts.push(rest);
      break;
    }
    if (open > 0) parts.push(rest.slice(0, open));
    if (close === -1) throw badPattern(pattern, `'{' is never closed`);
    const body = rest.slice(open + 1, close);
    const colon = body.lastIndexOf(':');
    const name = colon === -1 ? body : body.slice(0, colon);
    const spec = colon === -1 ? undefined : body.slice(colon + 1);
    if (!name) throw badPattern(pattern, `empty placeholder '{${body}}'`);
    if (spec !== undefined && !SPEC.test(spec)) {
      throw badPattern(pattern, `format '${spec}' in '{${body}}' is not one of d, 0Nd, .Nf, .Ne`);
    }
    parts.push({ name, spec });
    rest = rest.slice(close + 1);
  }
  return parts;
}

function badPattern(pattern: string, why: string): ConfigError {
  return new ConfigError(`model_checkpoint: filename pattern '${pattern}' is invalid: ${why}`, { key: 'filename' });
}

export function formatNumber(value: number, spec: string | undefined): string {
  if (!Number.isFinite(value)) return String(value).toLowerCase(); // nan, infinity, -infinity
  if (spec === undefined) return String(value);
  if (spec.endsWith('d')) {
    const width = spec.length > 1 ? Number(spec.slice(0, -1)) : 0;
    const n = Math.round(value);
    const digits = String(Math.abs(n)).padStart(width - (n < 0 ? 1 : 0), spec.startsWith('0') ? '0' : ' ');
    return (n < 0 ? '-' : '') + digits;
  }
  const decimals = Number(spec.slice(1, -1));
  return spec.endsWith('f') ? value.toFixed(decimals) : value.toExponential(decimals);
}

/** Renders a parsed pattern; unknown metric placeholders render as `nan` (the caller warns once). */
export function renderFilename(parts: readonly Part[], values: PatternValues, missing: string[] = []): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    let v: number | string | undefined;
    if (part.name === 'epoch') v = values.epoch;
    else if (part.name === 'step') v = values.step;
    else if (part.name === 'monitor') v = values.monitor;
    else if (part.name === 'value') v = values.value;
    else v = values.metrics[part.name];
    if (v === undefined) {
      missing.push(part.name);
      v = NaN;
    }
    out += typeof v === 'string' ? v : formatNumber(v, part.spec);
  }
  return out.replace(/[/\\]/g, '_');
}
