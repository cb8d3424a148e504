import { deserialize, serialize } from 'node:v8';
import type { Communicator } from '@kiln/contracts';
import { bucketElementsOf, DEFAULT_BUCKET_BYTES, planBuckets } from './buckets.js';
import type { MpiAddon, MpiWorldInfo } from './native-addon.js';

function checkArrays(fn: string, arrays: unknown): asserts arrays is Float32Array[] {
  if (!Array.isArray(arrays)) throw new TypeError(`${fn}: expected an array of Float32Array`);
  arrays.forEach((a, i) => {
    if (!(a instanceof Float32Array)) throw new TypeError(`${fn}: arrays[${i}] is not a Float32Array`);
  });
}

/**
 * `Communicator` on MPI. Every collective of one call is fused (Horovod's tensor fusion, DDP's
 * buckets): the arrays are packed into buckets of `bucketBytes` and each bucket is reduced with
 * one MPI_Allreduce; an array as large as a bucket is reduced in place with no copy. Results are
 * written back into the caller's arrays, which are returned (the contract's "consumed" arrays).
 * All MPI calls run on the addon's comm thread, so the event loop stays live meanwhile.
 */
export class MpiCommunicator implements Communicator {
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank: number;
  readonly localSize: number;
  readonly bucketBytes: number;
  private readonly bucketElements: number;
  private fusion: Float32Array | undefined;

  constructor(
    private readonly addon: MpiAddon,
    world: MpiWorldInfo,
    bucketBytes = DEFAULT_BUCKET_BYTES,
  ) {
    this.bucketElements = bucketElementsOf(bucketBytes);
    this.bucketBytes = bucketBytes;
    this.rank = world.rank;
    this.worldSize = world.size;
    this.localRank = world.localRank;
    this.localSize = world.localSize;
  }

  /** The fusion buffer, sized to the largest bucket seen (at most `bucketBytes`); jobs run one at a time, so one suffices. */
  private scratch(elements: number): Float32Array {
    if (!this.fusion || this.fusion.length < elements) {
      this.fusion = new Float32Array(Math.min(this.bucketElements, Math.max(elements, 2 * (this.fusion?.length ?? 0))));
    }
    return this.fusion;
  }

  private async allReduce(fn: string, arrays: Float32Array[], mean: boolean): Promise<Float32Array[]> {
    checkArrays(fn, arrays);
    if (this.worldSize === 1) return arrays;
    const buckets = planBuckets(arrays.map((a) => a.length), this.bucketElements);
    // All buckets are queued at once; the comm thread runs them back to back.
    await Promise.all(
      buckets.map((b) => {
        if (b.length === 1) return this.addon.allreduce([arrays[b[0]]], null, mean);
        const members = b.map((i) => arrays[i]);
        return this.addon.allreduce(members, this.scratch(members.reduce((s, a) => s + a.length, 0)), mean);
      }),
    );
    return arrays;
  }

  allReduceMean(arrays: Float32Array[]): Promise<Float32Array[]> {
    return this.allReduce('allReduceMean', arrays, true);
  }

  allReduceSum(arrays: Float32Array[]): Promise<Float32Array[]> {
    return this.allReduce('allReduceSum', arrays, false);
  }

  async broadcast(arrays: Float32Array[], root = 0): Promise<Float32Array[]> {
    if (!Number.isInteger(root) || root < 0 || root >= this.worldSize) {
      throw new RangeError(`broadcast: root ${root} is outside 0..${this.worldSize - 1}`);
    }
    const isRoot = this.rank === root;
    if (isRoot) checkArrays('broadcast', arrays);
    if (this.worldSize === 1) return arrays;
    // Other ranks may pass nothing (or other shapes): the root's count and lengths come first.
    const count = new Float64Array([isRoot ? arrays.length : 0]);
    await this.addon.broadcast([count], null, root);
    const lengths = new Float64Array(count[0]);
    if (isRoot) arrays.forEach((a, i) => (lengths[i] = a.length));
    await this.addon.broadcast([lengths], null, root);
    const given = Array.isArray(arrays) ? arrays : [];
    const out = isRoot
      ? arrays
      : Array.from(lengths, (n, i) => (given[i] instanceof Float32Array && given[i].length === n ? given[i] : new Float32Array(n)));
    const buckets = planBuckets(Array.from(lengths), this.bucketElements);
    await Promise.all(
      buckets.map((b) => {
        if (b.length === 1) return this.addon.broadcast([out[b[0]]], null, root);
        const members = b.map((i) => out[i]);
        const f = this.scratch(members.reduce((s, a) => s + a.length, 0));
        return this.addon.broadcast(members, new Uint8Array(f.buffer, f.byteOffset, f.byteLength), root);
      }),
    );
    return out;
  }

  async barrier(): Promise<void> {
    if (this.worldSize > 1) await this.addon.barrier();
  }

  /** One MPI_Allgatherv of each rank's structured-clone bytes (numbers, Float32Arrays, plain objects). */
  async allGather<T = number>(value: T[]): Promise<T[][]> {
    if (!Array.isArray(value)) throw new TypeError('allGather: expected an array');
    const bytes = serialize(value);
    if (this.worldSize === 1) return [deserialize(bytes) as T[]];
    const { data, sizes } = await this.addon.allgather(bytes);
    const out: T[][] = [];
    let offset = 0;
    for (const n of sizes) {
      out.push(deserialize(data.subarray(offset, offset + n)) as T[]);
      offset += n;
    }
    return out;
  }

  /** MPI_Finalize for this process (every communicator shares the one MPI world). */
  async close(): Promise<void> {
    if (!this.addon.state().finalized) this.addon.finalize();
  }
}
