import { describe, expect, it } from 'vitest';
import { CollectiveHub } from './collective-hub';
import type { CollectiveRequest } from './messages';

const req = (fields: Partial<CollectiveRequest> & Pick<CollectiveRequest, 'op' | 'rank'>): CollectiveRequest => ({
  kiln: 'collective',
  seq: 0,
  ...fields,
});

describe('CollectiveHub', () => {
  it('averages and sums arrays once every rank has contributed', () => {
    const hub = new CollectiveHub(2);
    expect(hub.submit(req({ op: 'allReduceMean', rank: 1, arrays: [Float32Array.of(3, 5), Float32Array.of(1)] }))).toBeUndefined();
    expect(hub.waiting()).toEqual([{ seq: 0, op: 'allReduceMean', missing: [0] }]);
    const replies = hub.submit(req({ op: 'allReduceMean', rank: 0, arrays: [Float32Array.of(1, 1), Float32Array.of(-3)] }));
    expect(replies?.map((r) => r.arrays)).toEqual([
      [Float32Array.of(2, 3), Float32Array.of(-1)],
      [Float32Array.of(2, 3), Float32Array.of(-1)],
    ]);
    expect(hub.waiting()).toEqual([]);
    hub.submit(req({ op: 'allReduceSum', seq: 1, rank: 0, arrays: [Float32Array.of(1.5)] }));
    expect(hub.submit(req({ op: 'allReduceSum', seq: 1, rank: 1, arrays: [Float32Array.of(2)] }))?.[0].arrays).toEqual([Float32Array.of(3.5)]);
  });

  it('broadcasts the root payload and gathers values by rank', () => {
    const hub = new CollectiveHub(3);
    hub.submit(req({ op: 'broadcast', rank: 0, root: 1, arrays: [] }));
    hub.submit(req({ op: 'broadcast', rank: 1, root: 1, arrays: [Float32Array.of(9)] }));
    const replies = hub.submit(req({ op: 'broadcast', rank: 2, root: 1, arrays: [] }));
    expect(replies?.map((r) => r.arrays)).toEqual([[Float32Array.of(9)], [Float32Array.of(9)], [Float32Array.of(9)]]);
    hub.submit(req({ op: 'allGather', seq: 1, rank: 2, values: [2, 20] }));
    hub.submit(req({ op: 'allGather', seq: 1, rank: 0, values: [0] }));
    expect(hub.submit(req({ op: 'allGather', seq: 1, rank: 1, values: [1] }))?.[2].gathered).toEqual([[0], [1], [2, 20]]);
  });

  it('reports diverged workers clearly', () => {
    const hub = new CollectiveHub(2);
    hub.submit(req({ op: 'barrier', rank: 0 }));
    expect(() => hub.submit(req({ op: 'allReduceMean', rank: 1, arrays: [] }))).toThrow(
      /rank 1 called allReduceMean but another rank called barrier/,
    );
    const shapes = new CollectiveHub(2);
    shapes.submit(req({ op: 'allReduceSum', rank: 0, arrays: [new Float32Array(4)] }));
    expect(() => shapes.submit(req({ op: 'allReduceSum', rank: 1, arrays: [new Float32Array(5)] }))).toThrow(
      /array 0 has 5 values on rank 1 but 4 on rank 0/,
    );
    expect(() => new CollectiveHub(2).submit(req({ op: 'barrier', rank: 2 }))).toThrow(/rank 2 is outside 0..1/);
  });
});
