import { z } from '@kiln/core';

export const monitorModeSchema = z.enum(['min', 'max']);
export type MonitorMode = z.infer<typeof monitorModeSchema>;

/** The score a fresh tracker starts from: anything finite beats it. */
export function worstScore(mode: MonitorMode): number {
  return mode === 'max' ? -Infinity : Infinity;
}

/**
 * True when `value` beats `best` by more than `minDelta` in the direction of `mode`.
 * NaN never improves anything (a diverged run must not become "best").
 */
export function isImprovement(value: number, best: number, mode: MonitorMode, minDelta = 0): boolean {
  if (Number.isNaN(value)) return false;
  if (Number.isNaN(best)) return true;
  return mode === 'max' ? value > best + minDelta : value < best - minDelta;
}

/** "val/accuracy is not logged; logged: train/loss, val/loss" — for warnings naming the key. */
export function describeMissing(key: string, available: readonly string[]): string {
  const list = available.length ? [...available].sort().join(', ') : '(none)';
  return `monitored metric '${key}' was not logged; logged metrics: ${list}`;
}
