import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CollectiveHub } from './collective-hub';
import { IpcCommunicator, LocalCommunicator, workerIdentity } from './communicator';
import type { CollectiveRequest } from './messages';

/** Two in-memory "processes" whose IPC goes through one CollectiveHub, like launchWorkers. */
function fakeGroup(worldSize: number): IpcCommunicator[] {
  const hub = new CollectiveHub(worldSize);
  const channels = Array.from({ length: worldSize }, () => new EventEmitter());
  return channels.map((emitter, rank) => {
    const channel = Object.assign(emitter, {
      send(message: unknown): boolean {
        const replies = hub.submit(structuredClone(message) as CollectiveRequest);
        replies?.forEach((reply, r) => queueMicrotask(() => channels[r].emit('message', structuredClone(reply))));
        return true;
      },
    });
    return new IpcCommunicator(rank, worldSize, channel);
  });
}

describe('LocalCommunicator', () => {
  it('is the identity for a world of one and returns copies', async () => {
    const comm = new LocalCommunicator();
    const input = [Float32Array.of(1, 2)];
    const out = await comm.allReduceMean(input);
    expect(out).toEqual(input);
    expect(out[0]).not.toBe(input[0]);
    expect(await comm.allReduceSum(input)).toEqual(input);
    expect(await comm.broadcast(input)).toEqual(input);
    expect(await comm.allGather([4, 5])).toEqual([[4, 5]]);
    expect(await comm.allGather([Float32Array.of(1)])).toEqual([[Float32Array.of(1)]]);
    await expect(comm.barrier()).resolves.toBeUndefined();
    await expect(comm.broadcast(input, 1)).rejects.toThrow(/root 1/);
  });
});

describe('IpcCommunicator', () => {
  it('runs collectives in call order across ranks', async () => {
    const [a, b] = fakeGroup(2);
    const [meanA, meanB] = await Promise.all([
      a.allReduceMean([Float32Array.of(2, 4)]),
      b.allReduceMean([Float32Array.of(4, 8)]),
    ]);
    expect(meanA).toEqual([Float32Array.of(3, 6)]);
    expect(meanB).toEqual([Float32Array.of(3, 6)]);
    const [fromRoot] = await Promise.all([b.broadcast([Float32Array.of(0)]), a.broadcast([Float32Array.of(7)])]);
    expect(fromRoot).toEqual([Float32Array.of(7)]);
    expect(await Promise.all([a.allGather([1]), b.allGather([2])])).toEqual([[[1], [2]], [[1], [2]]]);
    const states = await Promise.all([a.allGather([Float32Array.of(1, 2)]), b.allGather([Float32Array.of(3, 4)])]);
    expect(states[1]).toEqual([[Float32Array.of(1, 2)], [Float32Array.of(3, 4)]]);
  });

  it('fails pending collectives when the parent disconnects', async () => {
    const [a] = fakeGroup(2);
    const pending = a.barrier();
    (a as unknown as { channel: EventEmitter }).channel.emit('disconnect');
    await expect(pending).rejects.toThrow(/parent process disconnected/);
    await expect(a.barrier()).rejects.toThrow(/rank 0: the parent process disconnected/);
  });
});

describe('workerIdentity', () => {
  it('reads rank and world size from the environment', () => {
    expect(workerIdentity({})).toEqual({ rank: 0, worldSize: 1 });
    expect(workerIdentity({ KILN_RANK: '1', KILN_WORLD_SIZE: '2' })).toEqual({ rank: 1, worldSize: 2 });
    expect(() => workerIdentity({ KILN_RANK: '2', KILN_WORLD_SIZE: '2' })).toThrow(/KILN_RANK=2/);
    expect(() => workerIdentity({ KILN_WORLD_SIZE: 'x' })).toThrow(/KILN_WORLD_SIZE=x/);
  });
});
