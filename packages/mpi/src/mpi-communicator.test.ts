// The communicator's own logic (fusion, write-back, checks) against a fake addon: no MPI needed.
import { describe, expect, it } from 'vitest';
import { MpiCommunicator } from './mpi-communicator';
import type { MpiAddon, MpiWorldInfo } from './native-addon';

interface Call {
  op: string;
  lengths: number[];
  scratch: number | null;
}

/** Rank `rank` of 2, whose peer always contributes the same arrays: a sum doubles, a mean keeps. */
function fakeAddon(rank = 0, rootData: ArrayBufferView[] = []): { addon: MpiAddon; calls: Call[] } {
  const calls: Call[] = [];
  const addon = {
    async allreduce(arrays: Float32Array[], scratch: Float32Array | null, mean: boolean) {
      calls.push({ op: 'allreduce', lengths: arrays.map((a) => a.length), scratch: scratch ? scratch.length : null });
      if (!mean) for (const a of arrays) for (let i = 0; i < a.length; i++) a[i] *= 2;
    },
    async broadcast(arrays: ArrayBufferView[], scratch: Uint8Array | null) {
      calls.push({ op: 'broadcast', lengths: arrays.map((a) => a.byteLength), scratch: scratch ? scratch.byteLength : null });
      if (rank === 0) return;
      arrays.forEach((a) => {
        const src = rootData.shift() as ArrayBufferView;
        new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
      });
    },
    async allgather(bytes: Uint8Array) {
      calls.push({ op: 'allgather', lengths: [bytes.length], scratch: null });
      const data = new Uint8Array(bytes.length * 2);
      data.set(bytes, 0);
      data.set(bytes, bytes.length);
      return { data, sizes: [bytes.length, bytes.length] };
    },
    async barrier() {
      calls.push({ op: 'barrier', lengths: [], scratch: null });
    },
    state: () => ({ initialized: true, finalized: false, pending: 0, library: 'fake' }),
    finalize() {
      calls.push({ op: 'finalize', lengths: [], scratch: null });
    },
  } as unknown as MpiAddon;
  return { addon, calls };
}

const world = (rank = 0, size = 2): MpiWorldInfo => ({ rank, size, localRank: rank, localSize: size, threadLevel: 'multiple' });

describe('MpiCommunicator (fake addon)', () => {
  it('fuses small arrays into one call per bucket and gives large ones their own, in place', async () => {
    const { addon, calls } = fakeAddon();
    const comm = new MpiCommunicator(addon, world(), 40); // 10 floats per bucket
    const arrays = [3, 4, 20, 2, 0, 5, 6].map((n) => new Float32Array(n).fill(1.5));
    const out = await comm.allReduceSum(arrays);
    expect(out).toBe(arrays);
    expect(out.every((a) => a.every((v) => v === 3))).toBe(true);
    expect(calls).toEqual([
      { op: 'allreduce', lengths: [20], scratch: null },
      { op: 'allreduce', lengths: [3, 4, 2], scratch: 9 },
      { op: 'allreduce', lengths: [5], scratch: null },
      { op: 'allreduce', lengths: [6], scratch: null },
    ]);
  });

  it('grows one fusion buffer up to the bucket size and no further', async () => {
    const { addon, calls } = fakeAddon();
    const comm = new MpiCommunicator(addon, world(), 4000);
    await comm.allReduceMean([new Float32Array(2), new Float32Array(3)]);
    await comm.allReduceMean([new Float32Array(300), new Float32Array(600)]);
    expect(calls.map((c) => c.scratch)).toEqual([5, 900]);
    await comm.allReduceMean([new Float32Array(400), new Float32Array(550)]);
    expect(calls[2].scratch).toBe(1000); // 950 needed: doubled from 900, capped at the 1000-float bucket
  });

  it('broadcasts the root count and lengths first, so other ranks may pass nothing', async () => {
    const root = [Float32Array.of(1, 2, 3), Float32Array.of(4)];
    const { addon, calls } = fakeAddon(1, [Float64Array.of(2), Float64Array.of(3, 1), ...root]);
    const comm = new MpiCommunicator(addon, world(1));
    const got = await comm.broadcast([], 0);
    expect(got.map((g) => Array.from(g))).toEqual([[1, 2, 3], [4]]);
    expect(calls.map((c) => [c.lengths, c.scratch])).toEqual([[[8], null], [[16], null], [[12, 4], 16]]);
  });

  it('allGather round-trips numbers and Float32Arrays through one gather', async () => {
    const { addon, calls } = fakeAddon();
    const comm = new MpiCommunicator(addon, world());
    const got = await comm.allGather([1.5, Float32Array.of(2)] as unknown[]);
    expect(got).toHaveLength(2);
    expect(got[1][1]).toBeInstanceOf(Float32Array);
    expect(calls.filter((c) => c.op === 'allgather')).toHaveLength(1);
  });

  it('is the identity in a world of one, without calling MPI', async () => {
    const { addon, calls } = fakeAddon();
    const comm = new MpiCommunicator(addon, world(0, 1));
    const a = [Float32Array.of(1, 2)];
    expect(await comm.allReduceSum(a)).toBe(a);
    expect(await comm.broadcast(a)).toBe(a);
    await comm.barrier();
    expect(await comm.allGather([7])).toEqual([[7]]);
    expect(calls).toEqual([]);
  });

  it('rejects what is not a Float32Array list, a bad root and a bad bucket size', async () => {
    const { addon } = fakeAddon();
    const comm = new MpiCommunicator(addon, world());
    await expect(comm.allReduceMean([new Float64Array(2) as never])).rejects.toThrow(/allReduceMean: arrays\[0\] is not a Float32Array/);
    await expect(comm.allReduceSum('x' as never)).rejects.toThrow(TypeError);
    await expect(comm.broadcast([], 2)).rejects.toThrow(/root 2 is outside 0\.\.1/);
    await expect(comm.allGather(3 as never)).rejects.toThrow(TypeError);
    expect(() => new MpiCommunicator(addon, world(), 10)).toThrow(/multiple of 4/);
  });
});
