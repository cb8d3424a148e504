import { DEFAULT_BUCKET_BYTES } from './buckets.js';
import { detectMpiWorld } from './detect-world.js';
import { MpiCommunicator } from './mpi-communicator.js';
import { installAbortOnError, startMpi } from './world.js';

export interface MpiCommunicatorOptions {
  /** Fusion bucket size in bytes (default 64 MiB; `KILN_MPI_BUCKET_BYTES` overrides the default). */
  bucketBytes?: number;
  /** End the whole job (MPI_Abort, naming the rank) on an uncaught exception or unhandled rejection (default true). */
  abortOnError?: boolean;
}

function defaultBucketBytes(env: NodeJS.ProcessEnv): number {
  const raw = env.KILN_MPI_BUCKET_BYTES;
  if (raw === undefined) return DEFAULT_BUCKET_BYTES;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 4 || n % 4 !== 0) throw new RangeError(`KILN_MPI_BUCKET_BYTES=${raw} is not a positive multiple of 4`);
  return n;
}

/**
 * Starts MPI (once per process) and returns a `Communicator` over MPI_COMM_WORLD. Throws
 * `MpiUnavailableError` when the addon is not built. Checks that MPI's world agrees with the
 * launcher's environment (a mismatch means e.g. a node built against another MPI).
 */
export function createMpiCommunicator(options: MpiCommunicatorOptions = {}): MpiCommunicator {
  const bucketBytes = options.bucketBytes ?? defaultBucketBytes(process.env);
  const { addon, info } = startMpi();
  const detected = detectMpiWorld();
  if (detected && (detected.rank !== info.rank || detected.size !== info.size)) {
    throw new Error(
      `MPI reports rank ${info.rank} of ${info.size} but ${detected.launcher}'s environment says rank ${detected.rank} of ` +
        `${detected.size}: is @kiln/mpi built against the MPI that launched this process?`,
    );
  }
  if (options.abortOnError !== false) installAbortOnError();
  return new MpiCommunicator(addon, info, bucketBytes);
}
