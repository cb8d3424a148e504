// `kiln train -m …`: Hydra-style multirun sweeps over `kiln train` jobs. The CLI parses the
// arguments; @kiln/multirun plans and runs the jobs, each a child `node main.js train …` of this CLI.
import { join } from 'node:path';
import { runMultirun as runSweep, type MultirunArgs, type MultirunOptions, type MultirunResult } from '@kiln/multirun';
import { findConfigDir } from '../paths';

export { parseMultirunArgs, MULTIRUN_OPTIONS, MULTIRUN_FLAGS } from './multirun-args';
export type { MultirunArgs } from './multirun-args';
export { threadShare } from '@kiln/multirun';
export type { MultirunOptions, MultirunResult, JobResult, JobStatus } from '@kiln/multirun';

/** @kiln/multirun's runMultirun with this CLI as every job's entry and the config folder found as `train` finds it. */
export function runMultirun(args: MultirunArgs & Partial<Pick<MultirunOptions, 'root' | 'cliScript' | 'now' | 'out'>>): Promise<MultirunResult> {
  return runSweep({ ...args, configDir: findConfigDir(args.configDir), cliScript: args.cliScript ?? join(__dirname, '..', 'main.js') });
}
