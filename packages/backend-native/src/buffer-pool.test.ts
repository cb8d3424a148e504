import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool.js';

// ArrayBuffers are compared with === (`toBe` on them prints megabytes on failure).

/** Takes an array, "writes" it to a tensor and disposes that tensor: the buffer goes back to the pool. */
function cycle(pool: BufferPool, n: number): Float32Array {
  const a = pool.take(n);
  pool.track(a);
  pool.release(a);
  return a;
}

describe('BufferPool', () => {
  it('recycles a disposed buffer for the same size', () => {
    const pool = new BufferPool(1 << 30);
    const a = cycle(pool, 4096);
    expect(pool.bytes).toBe(4096 * 4);
    const b = pool.take(4096);
    expect(b.buffer === a.buffer).toBe(true);
    expect(pool.bytes).toBe(0);
  });

  it('serves a smaller request from the smallest free buffer within the slack, as a view of n floats', () => {
    const pool = new BufferPool(1 << 30, 1024, 4);
    const mid = cycle(pool, 16 * 1024);
    const big = cycle(pool, 64 * 1024);
    const v = pool.take(12 * 1024);
    expect(v.length).toBe(12 * 1024);
    expect(v.buffer === mid.buffer).toBe(true); // best fit, not the biggest
    const w = pool.take(20 * 1024);
    expect(w.buffer === big.buffer).toBe(true);
    expect(pool.bytes).toBe(0);
    // the view goes back as its whole buffer
    pool.track(w);
    pool.release(w);
    expect(pool.bytes).toBe(64 * 1024 * 4);
    expect(pool.take(64 * 1024).buffer === big.buffer).toBe(true);
  });

  it('does not hand out buffers more than `slack` times the request', () => {
    const pool = new BufferPool(1 << 30, 1024, 2);
    const a = cycle(pool, 8192);
    expect(pool.take(2048).buffer === a.buffer).toBe(false);
    expect(pool.take(4096).buffer === a.buffer).toBe(true);
  });

  it('never recycles a buffer still referenced, escaped to user code, or past the byte limit', () => {
    const pool = new BufferPool(8192 * 4);
    const a = pool.take(4096);
    pool.track(a);
    pool.track(a); // a second tensor (reshape) shares it
    pool.release(a);
    expect(pool.bytes).toBe(0);
    pool.release(a);
    expect(pool.bytes).toBe(4096 * 4);
    const b = pool.take(4096);
    pool.track(b);
    pool.escape(b);
    pool.release(b);
    expect(pool.bytes).toBe(0);
    cycle(pool, 8192);
    cycle(pool, 2048);
    expect(pool.bytes).toBe(8192 * 4); // the second would pass the limit
  });
});

describe('BufferPool aligned views (huge pages)', () => {
  it('places each new buffer of at least alignMinBytes at the offset `align` gives, and recycles that view', () => {
    const calls: Array<[number, number]> = [];
    const pool = new BufferPool(1 << 30, 1024, 4, (whole, n) => (calls.push([whole.length, n]), 100), 64 * 1024, 4096);
    expect(pool.take(1024).byteOffset).toBe(0); // below alignMinBytes: not placed
    const a = pool.take(16 * 1024);
    expect(calls).toEqual([[16 * 1024 + 4096, 16 * 1024]]);
    expect([a.byteOffset, a.length]).toEqual([400, 16 * 1024]);
    pool.track(a);
    pool.release(a);
    expect(pool.bytes).toBe(16 * 1024 * 4); // the view's bytes, not the padded buffer's
    const b = pool.take(16 * 1024);
    expect(b.buffer === a.buffer).toBe(true);
    expect([b.byteOffset, b.length]).toEqual([400, 16 * 1024]);
    expect(calls).toHaveLength(1); // recycled: not placed again
    expect(pool.bytes).toBe(0);
  });

  it('uses offset 0 when `align` cannot place the view', () => {
    const pool = new BufferPool(1 << 30, 1024, 4, () => -1, 64 * 1024, 4096);
    const a = pool.take(16 * 1024);
    expect([a.byteOffset, a.length]).toEqual([0, 16 * 1024]);
  });
});
