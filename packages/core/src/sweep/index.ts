// Hydra-style multirun sweeps: the value grammar, grid expansion and random search.
export { parseSweepValue, splitTopLevel, unescapeValue, describeSweep, formatNumber, MAX_RANGE_VALUES } from './sweep-value';
export type { SweepSpec } from './sweep-value';
export { planSweep, parseSweepParam, extractSweeperSettings, DEFAULT_SWEEPER, MAX_GRID_JOBS } from './sweep-plan';
export type { SweepParam, SweepJob, SweepPlan, SweeperKind, SweeperSettings } from './sweep-plan';
