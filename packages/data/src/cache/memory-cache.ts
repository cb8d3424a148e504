import { constrainedMemory } from 'node:process';
import { totalmem } from 'node:os';

/** A quarter of the machine's (or the container's) memory. */
export function defaultCacheBytes(): number {
  const limit = typeof constrainedMemory === 'function' ? constrainedMemory() : 0;
  const total = limit && limit > 0 && limit < totalmem() ? limit : totalmem();
  return Math.floor(total / 4);
}

/** One byte budget shared by the caches of a data module (train, val and test sets). */
export class ByteBudget {
  used = 0;
  constructor(readonly limit: number) {}

  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }
}

/**
 * Decoded images kept in RAM up to a byte budget, keyed by CSV row. First come, first kept:
 * once the budget is spent, the remaining images are decoded from disk every time, so a
 * dataset larger than RAM trains (slower) instead of crashing. Nothing is evicted, so which
 * images are cached never changes a batch.
 */
export class MemoryCache {
  private readonly entries = new Map<number, Uint8Array>();

  constructor(readonly budget: ByteBudget) {}

  get(key: number): Uint8Array | undefined {
    return this.entries.get(key);
  }

  put(key: number, data: Uint8Array): void {
    if (this.entries.has(key) || !this.budget.take(data.byteLength)) return;
    this.entries.set(key, data);
  }

  get size(): number {
    return this.entries.size;
  }
}
