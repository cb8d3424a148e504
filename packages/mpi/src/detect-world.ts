/** Which launcher started this process, as read from its environment. */
export type MpiLauncher = 'openmpi' | 'pmix' | 'mpich' | 'slurm';

export interface DetectedWorld {
  launcher: MpiLauncher;
  rank: number;
  size: number;
  /** Rank among this host's processes (→ which GPU to use). */
  localRank: number;
  /** Processes on this host, when the launcher says. */
  localSize?: number;
}

interface Scheme {
  launcher: MpiLauncher;
  rank: string;
  size: string;
  localRank: string[];
  localSize: string[];
  /** Variables that must also be set for the scheme to apply. */
  requires?: string[];
}

// Order matters: mpirun inside a Slurm allocation sets its own variables next to Slurm's.
const SCHEMES: Scheme[] = [
  {
    launcher: 'openmpi',
    rank: 'OMPI_COMM_WORLD_RANK',
    size: 'OMPI_COMM_WORLD_SIZE',
    localRank: ['OMPI_COMM_WORLD_LOCAL_RANK'],
    localSize: ['OMPI_COMM_WORLD_LOCAL_SIZE'],
  },
  { launcher: 'pmix', rank: 'PMIX_RANK', size: 'PMIX_SIZE', localRank: ['PMIX_LOCAL_RANK'], localSize: ['PMIX_LOCAL_SIZE'], requires: ['PMIX_SIZE'] },
  // MPICH / Intel MPI (Hydra): PMI_*; local rank from MPI_LOCALRANKID (MPICH ≥ 3.1, Intel MPI).
  { launcher: 'mpich', rank: 'PMI_RANK', size: 'PMI_SIZE', localRank: ['MPI_LOCALRANKID', 'PMI_LOCAL_RANK'], localSize: ['MPI_LOCALNRANKS', 'PMI_LOCAL_SIZE'] },
  // srun sets SLURM_STEP_ID; the batch script itself (one process) must not pass for rank 0 of N.
  {
    launcher: 'slurm',
    rank: 'SLURM_PROCID',
    size: 'SLURM_NTASKS',
    localRank: ['SLURM_LOCALID'],
    localSize: [],
    requires: ['SLURM_STEP_ID'],
  },
];

function int(env: NodeJS.ProcessEnv, name: string, min: number): number {
  const raw = env[name] as string;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(value) || value < min) {
    throw new Error(`${name}=${JSON.stringify(raw)} is not an integer ≥ ${min}`);
  }
  return value;
}

const first = (env: NodeJS.ProcessEnv, names: string[]): string | undefined => names.find((n) => env[n] !== undefined);

/**
 * This process's place in an MPI world from the launcher's environment: OpenMPI's `mpirun`
 * (OMPI_COMM_WORLD_*), PMIx launchers (PMIX_*), MPICH/Intel MPI Hydra (PMI_*), or Slurm's
 * `srun` (SLURM_PROCID/NTASKS/LOCALID). Undefined when not started by one, so `mpirun -np 4
 * kiln train` and `srun kiln train` need no flag. Throws naming the variable when it is malformed.
 */
export function detectMpiWorld(env: NodeJS.ProcessEnv = process.env): DetectedWorld | undefined {
  for (const s of SCHEMES) {
    if (env[s.rank] === undefined || env[s.size] === undefined) continue;
    if (s.requires?.some((r) => env[r] === undefined)) continue;
    const size = int(env, s.size, 1);
    const rank = int(env, s.rank, 0);
    if (rank >= size) throw new Error(`${s.rank}=${rank} is outside 0..${size - 1} (${s.size}=${size})`);
    const localName = first(env, s.localRank);
    const localSizeName = first(env, s.localSize);
    // No local rank from the launcher: assume one process per host.
    const localRank = localName ? int(env, localName, 0) : 0;
    const localSize = localSizeName ? int(env, localSizeName, 1) : undefined;
    if (localSize !== undefined && localRank >= localSize) {
      throw new Error(`${localName}=${localRank} is outside 0..${localSize - 1} (${localSizeName}=${localSize})`);
    }
    return { launcher: s.launcher, rank, size, localRank, ...(localSize !== undefined ? { localSize } : {}) };
  }
  return undefined;
}

/**
 * The CUDA_VISIBLE_DEVICES this rank should use: the `localRank`-th of the devices the host
 * (or the scheduler) made visible, else device `localRank`. One GPU per rank, as Horovod does.
 */
export function suggestedCudaVisibleDevices(localRank: number, env: NodeJS.ProcessEnv = process.env): string {
  if (!Number.isInteger(localRank) || localRank < 0) throw new RangeError(`localRank must be an integer ≥ 0, got ${localRank}`);
  const visible = (env.CUDA_VISIBLE_DEVICES ?? '').split(',').map((d) => d.trim()).filter(Boolean);
  if (visible.length === 0) return String(localRank);
  // Fewer devices than local ranks (e.g. Slurm already narrowed it to this task's GPU): share round-robin.
  return visible[localRank % visible.length];
}
