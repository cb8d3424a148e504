import { spawnSync } from 'node:child_process';

/** True when an `mpirun` (OpenMPI, MPICH's Hydra, Intel MPI) answers `--version` on PATH. */
export function hasMpirun(mpirun = 'mpirun'): boolean {
  return spawnSync(mpirun, ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

export interface MpirunOptions {
  /** Number of ranks (`-np`). */
  ranks: number;
  /** The program each rank runs and its arguments, e.g. `[process.execPath, cliMain, 'train', …]`. */
  command: string[];
  /** Extra flags before the program (`-H a:2,b:2`, `--mca …`). */
  mpirunArgs?: string[];
  /** GPU ids for the ranks of this host: rank `localRank` uses the `localRank`-th (see suggestedCudaVisibleDevices). */
  gpus?: number[];
  mpirun?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * The `mpirun` invocation that starts `ranks` copies of `command` on this host (what `--gpus=1,2`
 * does on the MPI path): `--bind-to none` so each rank's own threads are not pinned to one core,
 * and, when running as root (containers), OpenMPI's explicit permission.
 */
export function mpirunCommand(options: MpirunOptions): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  const { ranks, command, mpirunArgs = [], gpus, mpirun = 'mpirun', env = process.env } = options;
  if (!Number.isInteger(ranks) || ranks < 1) throw new RangeError(`mpirunCommand: ranks must be a positive integer, got ${ranks}`);
  if (command.length === 0) throw new TypeError('mpirunCommand: command is empty');
  if (gpus && gpus.length !== ranks) throw new RangeError(`mpirunCommand: ${gpus.length} GPU ids for ${ranks} ranks`);
  const out: NodeJS.ProcessEnv = { ...env };
  if (process.getuid?.() === 0) {
    out.OMPI_ALLOW_RUN_AS_ROOT = '1';
    out.OMPI_ALLOW_RUN_AS_ROOT_CONFIRM = '1';
  }
  if (gpus) out.CUDA_VISIBLE_DEVICES = gpus.join(',');
  return { file: mpirun, args: ['-np', String(ranks), '--bind-to', 'none', ...mpirunArgs, ...command], env: out };
}
