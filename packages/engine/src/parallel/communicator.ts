import { ENV_RANK, ENV_WORLD_SIZE, isCollectiveReply } from './messages';
import { ENV_COMM_DIR, reduceSharedFiles, sharedFile, sharedMinFloats, writeArrays } from './shared-files';
import type { CollectiveOp, CollectiveReply, CollectiveRequest } from './messages';

import type { Communicator } from '@kiln/contracts';

const copy = (arrays: Float32Array[]): Float32Array[] => arrays.map((a) => Float32Array.from(a));

/** World of one: every collective is the identity, with no IPC. */
export class LocalCommunicator implements Communicator {
  readonly rank = 0;
  readonly worldSize = 1;
  async allReduceMean(arrays: Float32Array[]): Promise<Float32Array[]> {
    return copy(arrays);
  }
  async allReduceSum(arrays: Float32Array[]): Promise<Float32Array[]> {
    return copy(arrays);
  }
  async broadcast(arrays: Float32Array[], root = 0): Promise<Float32Array[]> {
    if (root !== 0) throw new RangeError(`broadcast root ${root} does not exist in a world of 1`);
    return copy(arrays);
  }
  async barrier(): Promise<void> {}
  async allGather<T = number>(value: T[]): Promise<T[][]> {
    return [structuredClone(value)];
  }
}

/** Minimal view of a process's IPC channel (the real one is `process`). */
export interface IpcChannel {
  send?(message: unknown, ...rest: unknown[]): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'disconnect', listener: () => void): unknown;
  /** Node's handle; unref'd while no collective is in flight so a finished worker can exit. */
  channel?: { ref(): void; unref(): void } | null;
}

/** Worker side of the parent-hub protocol: sends contributions, awaits the parent's result. */
export class IpcCommunicator implements Communicator {
  private seq = 0;
  private readonly sharedMin = sharedMinFloats();
  private readonly waiters = new Map<number, { resolve: (r: CollectiveReply) => void; reject: (e: Error) => void }>();
  private closedReason: string | undefined;

  /**
   * @param sharedDir folder for large all-reduces (`KILN_COMM_DIR`, set by `launchWorkers`); without it
   *   everything goes through IPC.
   */
  constructor(
    readonly rank: number,
    readonly worldSize: number,
    private readonly channel: IpcChannel = process,
    private readonly sharedDir: string | undefined = process.env[ENV_COMM_DIR] || undefined,
  ) {
    if (typeof channel.send !== 'function') {
      throw new Error(`rank ${rank}: no IPC channel to the parent (was this process started by launchWorkers?)`);
    }
    channel.on('message', (message) => {
      if (!isCollectiveReply(message)) return;
      const waiter = this.waiters.get(message.seq);
      if (!waiter) return;
      this.waiters.delete(message.seq);
      if (this.waiters.size === 0) this.channel.channel?.unref();
      if (message.error) waiter.reject(new Error(`collective #${message.seq} failed: ${message.error}`));
      else waiter.resolve(message);
    });
    channel.on('disconnect', () => this.abort('the parent process disconnected'));
    this.channel.channel?.unref();
  }

  private abort(reason: string): void {
    this.closedReason = reason;
    for (const [seq, waiter] of this.waiters) waiter.reject(new Error(`collective #${seq} aborted: ${reason}`));
    this.waiters.clear();
  }

  private call(op: CollectiveOp, fields: Partial<CollectiveRequest>, seq = this.seq++): Promise<CollectiveReply> {
    if (this.closedReason) return Promise.reject(new Error(`rank ${this.rank}: ${this.closedReason}`));
    const request: CollectiveRequest = { kiln: 'collective', op, seq, rank: this.rank, ...fields };
    return new Promise((resolve, reject) => {
      this.waiters.set(seq, { resolve, reject });
      this.channel.channel?.ref();
      (this.channel.send as (m: unknown) => boolean)(request);
    });
  }

  private async allReduce(op: 'allReduceMean' | 'allReduceSum', arrays: Float32Array[]): Promise<Float32Array[]> {
    const lengths = arrays.map((a) => a.length);
    const total = lengths.reduce((a, b) => a + b, 0);
    if (!this.sharedDir || total < this.sharedMin || this.closedReason) return (await this.call(op, { arrays })).arrays ?? [];
    const seq = this.seq++;
    writeArrays(sharedFile(this.sharedDir, this.rank, seq), arrays);
    const reply = await this.call(op, { sharedLengths: lengths }, seq);
    if (!reply.shared) throw new Error(`collective #${seq}: the parent did not confirm the shared-file all-reduce`);
    return reduceSharedFiles(this.sharedDir, seq, this.worldSize, lengths, op === 'allReduceMean');
  }
  async allReduceMean(arrays: Float32Array[]): Promise<Float32Array[]> {
    return this.allReduce('allReduceMean', arrays);
  }
  async allReduceSum(arrays: Float32Array[]): Promise<Float32Array[]> {
    return this.allReduce('allReduceSum', arrays);
  }
  async broadcast(arrays: Float32Array[], root = 0): Promise<Float32Array[]> {
    // Only the root's payload matters; the others send nothing to keep IPC traffic down.
    return (await this.call('broadcast', { root, arrays: this.rank === root ? arrays : [] })).arrays ?? [];
  }
  async barrier(): Promise<void> {
    await this.call('barrier', {});
  }
  async allGather<T = number>(value: T[]): Promise<T[][]> {
    return ((await this.call('allGather', { values: value })).gathered ?? []) as T[][];
  }
}

/** This process's rank and world size from `KILN_RANK` / `KILN_WORLD_SIZE` (0 and 1 when unset). */
export function workerIdentity(env: NodeJS.ProcessEnv = process.env): { rank: number; worldSize: number } {
  const worldSize = env[ENV_WORLD_SIZE] === undefined ? 1 : Number(env[ENV_WORLD_SIZE]);
  const rank = env[ENV_RANK] === undefined ? 0 : Number(env[ENV_RANK]);
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new Error(`${ENV_WORLD_SIZE}=${env[ENV_WORLD_SIZE]} is not a positive integer`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
    throw new Error(`${ENV_RANK}=${env[ENV_RANK]} is not an integer in 0..${worldSize - 1}`);
  }
  return { rank, worldSize };
}

let shared: Communicator | undefined;

/**
 * The communicator of this process: an `IpcCommunicator` inside a worker started by
 * `launchWorkers` (world size > 1), else a `LocalCommunicator`. Created once.
 */
export function getCommunicator(): Communicator {
  if (shared) return shared;
  const { rank, worldSize } = workerIdentity();
  shared = worldSize === 1 ? new LocalCommunicator() : new IpcCommunicator(rank, worldSize);
  return shared;
}
