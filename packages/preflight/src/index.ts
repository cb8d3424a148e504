// @kiln/preflight: what `kiln train` checks before it writes anything, and the --dry-run plan.
export { preflight } from './preflight';
export type { Preflight, PreflightOptions } from './preflight';
export { PreflightError } from './preflight-error';
export { formatPlan, epochSteps } from './plan';
export type { EpochSteps } from './plan';
export { estimateEpochTime } from './estimate';
