export { preflight } from './preflight';
export type { Preflight, PreflightOptions } from './preflight';
export { PreflightError } from './preflight-error';
export { formatPlan, epochSteps } from './plan';
export type { EpochSteps } from './plan';
export { estimateEpochTime } from './estimate';
