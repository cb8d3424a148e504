// `kiln train -m …`: Hydra-style multirun sweeps over `kiln train` jobs.
export { parseMultirunArgs, MULTIRUN_OPTIONS, MULTIRUN_FLAGS } from './multirun-args';
export type { MultirunArgs } from './multirun-args';
export { runMultirun, threadShare } from './run-multirun';
export type { MultirunOptions, MultirunResult } from './run-multirun';
export type { JobResult, JobStatus } from './job-result';
