/** The N-API addon's surface (src/native/addon.cc). Collectives run on its comm thread. */
export interface MpiWorldInfo {
  rank: number;
  size: number;
  /** Rank among the processes of this host (MPI_COMM_TYPE_SHARED). */
  localRank: number;
  localSize: number;
  /** The thread level MPI granted (`multiple` normally; every level works, MPI runs on one thread). */
  threadLevel: 'single' | 'funneled' | 'serialized' | 'multiple' | 'unknown';
}

export interface MpiState {
  initialized: boolean;
  finalized: boolean;
  /** Collectives queued or running. */
  pending: number;
  /** First line of MPI_Get_library_version. */
  library: string;
}

export interface MpiAddon {
  /** MPI_Init_thread on the comm thread (idempotent); throws after finalize(). */
  init(): MpiWorldInfo;
  /**
   * Sums (`mean`: averages) float32 arrays over ranks, in place. With `scratch`, the arrays are
   * packed into it and reduced with one MPI_Allreduce; without, one call per array, no copy.
   * The arrays must not be touched until the promise settles.
   */
  allreduce(arrays: Float32Array[], scratch: Float32Array | null, mean: boolean): Promise<void>;
  /** Root's bytes into every rank's arrays (same byte lengths everywhere), in place; packed into `scratch` when given. */
  broadcast(arrays: ArrayBufferView[], scratch: Uint8Array | null, root: number): Promise<void>;
  /** Every rank's bytes, concatenated in rank order, with each rank's byte count. */
  allgather(bytes: Uint8Array): Promise<{ data: Uint8Array; sizes: number[] }>;
  barrier(): Promise<void>;
  /** Prints `message` to stderr and ends the whole job (MPI_Abort); never returns. */
  abort(code: number, message: string): never;
  /** MPI_Finalize (synchronous); throws while collectives are in flight. */
  finalize(): void;
  state(): MpiState;
}
