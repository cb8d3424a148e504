// @kiln/tune: a run's learning rate (range test) and largest batch size that fits, found by
// training the run's own components for a few steps — what `kiln tune` runs.
export { runLrFind } from './run-lr-find';
export type { LrFindRequest } from './run-lr-find';
export { runBatchSizeSearch } from './run-batch-size';
export type { BatchSizeRequest } from './run-batch-size';
export type { TuneContext } from './tune-context';
export { findLr } from './lr-finder';
export type { LrFindOptions, LrFindResult } from './lr-finder';
export { LrCurve, formatLr, smoothingFor, suggestLr, sweepLr } from './lr-curve';
export type { LrPoint } from './lr-curve';
export { lrPlotPng, lrPlotSvg } from './lr-plot';
export { searchBatchSize } from './batch-size-search';
export type { BatchSearchOptions, BatchSearchResult, BatchTrial } from './batch-size-search';
export { tryBatchSize, withBatchSize } from './batch-size-trial';
export type { BatchTrialArgs } from './batch-size-trial';
export { MEMORY_LIMIT_ENV, memoryLimitFromEnv, withMemoryLimit } from './memory-cap';
export { buildTuneParts, trainOnly, tuneConfig } from './tune-parts';
export type { BuildPartsArgs, TuneParts } from './tune-parts';
