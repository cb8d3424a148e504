// @kiln/multirun: Hydra-style sweeps (core's planSweep) run as one child process per job, with a
// summary table of every job's best metric. What `kiln train -m …` runs.
export { runMultirun, threadShare } from './run-multirun';
export type { MultirunArgs, MultirunOptions, MultirunResult } from './run-multirun';
export { defaultMode, errorLine, monitorOf, readJobOutcome } from './job-result';
export type { JobResult, JobStatus } from './job-result';
export { sortResults, summaryCsv, summaryMarkdown, summaryTable, writeSummary } from './summary';
