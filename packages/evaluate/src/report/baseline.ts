import { readFileSync } from 'node:fs';
import { UsageError } from '@kiln/core';

export interface Regression {
  metric: string;
  baseline: number;
  current: number;
  /** Drop in percentage points (positive = worse). */
  dropPoints: number;
}

/** Flattens nested metric objects to `a.b` keys, keeping numbers only. */
export function flattenMetrics(value: unknown, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof value === 'number') {
    if (prefix) out[prefix] = value;
    return out;
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) Object.assign(out, flattenMetrics(v, prefix ? `${prefix}.${k}` : k));
  }
  return out;
}

export function readBaseline(path: string): Record<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--baseline: cannot read '${path}' as JSON (${(err as Error).message})`);
  }
  const metrics = flattenMetrics((parsed as { metrics?: unknown }).metrics ?? parsed);
  if (Object.keys(metrics).length === 0) throw new UsageError(`--baseline: '${path}' holds no numeric metrics`);
  return metrics;
}

/**
 * Metrics that fell by more than `tolerancePoints` percentage points (metrics are
 * fractions in [0, 1], so 0.5 points = 0.005). A baseline metric missing from this run
 * counts as a regression: silently skipping it would hide a broken report.
 */
export function compareToBaseline(
  baseline: Record<string, number>,
  current: Record<string, number>,
  tolerancePoints: number,
): Regression[] {
  const regressions: Regression[] = [];
  for (const [metric, base] of Object.entries(baseline)) {
    const cur = current[metric];
    const drop = cur === undefined ? Infinity : (base - cur) * 100;
    if (drop > tolerancePoints + 1e-9) regressions.push({ metric, baseline: base, current: cur ?? NaN, dropPoints: drop });
  }
  return regressions;
}
