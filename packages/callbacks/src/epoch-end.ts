import type { TrainerView } from '@kiln/contracts';

/** Counters the trainer keeps among its metrics; they are columns/axes, not metrics. */
const COUNTERS = new Set(['epoch', 'step']);

/** The trainer's latest metrics without counters and without stale validation values. */
export function freshMetrics(trainer: TrainerView): Record<string, number> {
  return Object.fromEntries(Object.entries(trainer.metrics).filter(([k]) => !COUNTERS.has(k) && !k.startsWith('val/')));
}
