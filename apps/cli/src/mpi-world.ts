import { availableParallelism } from 'node:os';
import { ConfigError, KilnError, type Logger } from '@kiln/core';
import type { Communicator } from '@kiln/contracts';
import { TrainingInterruptedError } from '@kiln/trainer';
import { ENV_LOCAL_LAUNCH } from './mpi-launch';
import {
  abortWorld,
  createMpiCommunicator,
  detectMpiWorld,
  isMpiAvailable,
  mpiLoadError,
  suggestedCudaVisibleDevices,
  type DetectedWorld,
} from '@kiln/mpi';

/** `engine.bucketMB`: the gradient-fusion bucket in MiB (default: @kiln/mpi's 64 MiB or KILN_MPI_BUCKET_BYTES). */
export function bucketBytesOf(config: Record<string, unknown>): number | undefined {
  const value = ((config.engine ?? {}) as { bucketMB?: unknown }).bucketMB;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`engine.bucketMB must be a positive number of MiB (got ${JSON.stringify(value)})`, { path: 'engine.bucketMB', key: 'bucketMB' });
  }
  return Math.max(4, Math.round((value * 1024 * 1024) / 4) * 4);
}

/** This process as one rank of an MPI job (`mpirun`/`srun kiln train`): the run's communicator and how to end. */
export class MpiRank {
  constructor(
    readonly world: DetectedWorld,
    readonly comm: Communicator,
  ) {}

  get rank(): number {
    return this.world.rank;
  }

  get worldSize(): number {
    return this.world.size;
  }

  /** Engine options of a rank: the host's cores split among its ranks (they would oversubscribe it otherwise). */
  engineOptions(): { threads?: number } {
    const local = this.world.localSize ?? 1;
    return local > 1 ? { threads: Math.max(1, Math.floor(availableParallelism() / local)) } : {};
  }

  /** Every rank gets rank 0's run directory (only rank 0 creates it; the others never write there). */
  async shareRunDir(runDir: string | undefined): Promise<string | undefined> {
    const [fromRoot] = await this.comm.allGather<string | null>([this.rank === 0 ? (runDir ?? null) : null]);
    return fromRoot[0] ?? undefined;
  }

  /** One INFO line from rank 0: the world and where the run is written. */
  announce(logger: Logger, runDir: string | undefined): void {
    const bucket = (this.comm as { bucketBytes?: number }).bucketBytes;
    // Ranks started by `kiln train --gpus/--workers`: the launcher's INFO line already said it.
    logger[process.env[ENV_LOCAL_LAUNCH] ? 'debug' : 'info'](
      `parallel: MPI (${this.world.launcher}), ${this.worldSize} ranks, gradients all-reduced in fused buckets of ` +
        `${bucket ? (bucket / 2 ** 20).toFixed(bucket >= 2 ** 20 ? 0 : 2) : '?'} MiB${runDir ? `; run directory: ${runDir} (written by rank 0)` : ''}`,
    );
  }

  /**
   * Awaits the rank's training and ends its part of the job. Success or an agreed interrupt (every rank
   * stopped after the same step and waited for rank 0's last.ckpt): MPI_Finalize, so the exit code
   * (0, 130, 143) does not abort the others. Any other error: `kiln: rank N: …` and MPI_Abort now, so the
   * ranks waiting in a collective stop within seconds instead of hanging.
   */
  async finish<T>(work: Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await work;
    } catch (err) {
      if (err instanceof TrainingInterruptedError) {
        await this.comm.close?.();
        throw err;
      }
      const code = err instanceof KilnError ? err.exitCode : 1;
      return abortWorld(err instanceof Error ? err.message : String(err), code);
    }
    await this.comm.barrier();
    await this.comm.close?.();
    return result;
  }
}

/** This process's rank and world size when an MPI launcher started it in a world of 2 or more (nothing started yet). */
export function launchedRank(env: NodeJS.ProcessEnv = process.env): { rank: number; worldSize: number } | undefined {
  const world = detectMpiWorld(env);
  return world && world.size > 1 ? { rank: world.rank, worldSize: world.size } : undefined;
}

/**
 * The MPI world this process was started in (`mpirun -np N kiln train`, `srun kiln train`), joined:
 * `CUDA_VISIBLE_DEVICES` narrowed to this rank's GPU on its host, MPI started, the communicator
 * created. Undefined outside a launcher (or in a world of one). Refuses, naming the cause, when a
 * launcher started this process but @kiln/mpi's addon is not built: N independent runs would
 * otherwise each write their own outputs.
 */
export function joinMpiWorld(config: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): MpiRank | undefined {
  const world = detectMpiWorld(env);
  if (!world || world.size < 2) return undefined;
  if (!isMpiAvailable()) {
    throw new KilnError(
      `started by ${world.launcher} as rank ${world.rank} of ${world.size}, but @kiln/mpi is not built (${mpiLoadError() ?? 'unknown reason'}). ` +
        'Install MPI (apt-get install libopenmpi-dev openmpi-bin, or brew install open-mpi) and run `npm rebuild @kiln/mpi` on every host; ' +
        'without a launcher, --workers=N / --gpus=… train on one machine.',
    );
  }
  const bucketBytes = bucketBytesOf(config);
  env.CUDA_VISIBLE_DEVICES = suggestedCudaVisibleDevices(world.localRank, env);
  const comm = createMpiCommunicator(bucketBytes === undefined ? {} : { bucketBytes });
  return new MpiRank(world, comm);
}
