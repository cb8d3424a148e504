/**
 * Collective operations among data-parallel ranks. Every rank must call the same
 * operations in the same order (like MPI/NCCL collectives). Implementations: the local
 * IPC communicator in `@kiln/engine`, the MPI one in `@kiln/mpi`.
 *
 * Reductions may work in place: callers must treat the arrays they pass as consumed
 * and use the returned arrays (which may be the same objects).
 */
export interface Communicator {
  readonly rank: number;
  readonly worldSize: number;
  /** Element-wise mean over ranks (gradient averaging). Same array count and lengths on every rank. */
  allReduceMean(arrays: Float32Array[]): Promise<Float32Array[]>;
  /** Element-wise sum over ranks (metric states, counts). */
  allReduceSum(arrays: Float32Array[]): Promise<Float32Array[]>;
  /** Every rank receives `root`'s arrays (initial weights). */
  broadcast(arrays: Float32Array[], root?: number): Promise<Float32Array[]>;
  /** Resolves once every rank has reached it. */
  barrier(): Promise<void>;
  /** Every rank's `value`, indexed by rank (numbers, or Float32Arrays such as metric states). */
  allGather<T = number>(value: T[]): Promise<T[][]>;
  /** Releases the transport (optional; a finished process may also just exit). */
  close?(): Promise<void>;
}
