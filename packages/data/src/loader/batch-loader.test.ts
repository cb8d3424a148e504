import { describe, expect, it } from 'vitest';
import { ImageProcessor, type RawImage } from '@kiln/processors';
import { BatchLoader, type LoaderSource } from './batch-loader';

/** n 1×1 gray "images" whose pixel value is the sample index. */
function source(n: number): LoaderSource & { loads: number } {
  const src = {
    size: n,
    row: (i: number) => i + 1,
    path: (i: number) => `p${i}`,
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    loads: 0,
    load(i: number): Promise<RawImage> {
      src.loads++;
      return Promise.resolve({ data: Uint8Array.of(i), height: 1, width: 1, channels: 1 });
    },
  };
  return src;
}

const processor = new ImageProcessor({ size: [1, 1], channels: 1, mean: [0], std: [1 / 255] });
const opts = { batchSize: 4, shuffle: true, dropLast: false, seed: 9, prefetch: 1, decodeConcurrency: 2, numClasses: 3 };

async function rows(loader: BatchLoader): Promise<number[][]> {
  const out: number[][] = [];
  for await (const b of loader) {
    expect(Array.from(b.images, Math.round)).toEqual(b.rows.map((r) => r - 1)); // pixels follow the rows
    out.push(b.rows);
  }
  return out;
}

describe('BatchLoader', () => {
  it('splits every global batch, including a partial last one, into contiguous shards with equal step counts', async () => {
    const whole = await rows(new BatchLoader(source(10), processor, opts));
    expect(whole.map((b) => b.length)).toEqual([4, 4, 2]);
    const shards = await Promise.all(
      [0, 1, 2].map((rank) => rows(new BatchLoader(source(10), processor, { ...opts, shard: { rank, worldSize: 3 } }))),
    );
    for (const s of shards) expect(s).toHaveLength(3);
    expect(whole.map((_, b) => shards.flatMap((s) => s[b]))).toEqual(whole);
    expect(shards.map((s) => s[2].length)).toEqual([0, 1, 1]);
  });

  it('stops early without loading the rest, and moves to the next epoch after a full pass', async () => {
    const src = source(40);
    const loader = new BatchLoader(src, processor, { ...opts, prefetch: 0 });
    for await (const _ of loader) break;
    expect(src.loads).toBe(4);
    expect(loader.position()).toEqual({ epoch: 0, batchIndex: 1 });
    loader.setEpoch(0); // same epoch: keeps the position
    expect((await rows(loader)).length).toBe(9);
    expect(loader.position()).toEqual({ epoch: 1, batchIndex: 0 });
  });

  it('wraps a failing load in an error naming the row and path', async () => {
    const src = source(3);
    src.load = () => Promise.reject(new Error('boom'));
    await expect(rows(new BatchLoader(src, processor, opts))).rejects.toThrow(/row \d \(p\d\): boom/);
  });
});
