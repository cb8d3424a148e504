import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Logger, memorySink } from '@kiln/core';
import { tempDir } from '../../test/fixtures';
import { DiskCache } from './disk-cache';

describe('DiskCache', () => {
  it('stores entries that a second opener (another run or rank) reads back', async () => {
    const dir = tempDir();
    const a = DiskCache.open(dir, 'k1', 10, 6);
    const b = DiskCache.open(dir, 'k1', 10, 6); // same key: the same file, not a second one
    expect(readdirSync(dir)).toEqual(['k1.kdc']);
    await a.write(3, Uint8Array.of(1, 2, 3, 4, 5, 6));
    await a.write(9, Uint8Array.of(9, 9, 9, 9, 9, 9));
    expect(a.has(3) && a.has(9) && !a.has(0)).toBe(true);
    expect(b.has(3)).toBe(false); // status is read at open
    const c = DiskCache.open(dir, 'k1', 10, 6);
    expect([c.has(3), c.has(9), c.filled]).toEqual([true, true, 2]);
    expect([...(await c.read(3))]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...(await c.read(9))]).toEqual([9, 9, 9, 9, 9, 9]);
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it('refuses a file whose header does not match, naming it', () => {
    const dir = tempDir();
    DiskCache.open(dir, 'k2', 4, 3);
    writeFileSync(join(dir, 'bad.kdc'), 'garbage');
    expect(() => DiskCache.open(dir, 'bad', 4, 3)).toThrow(/bad\.kdc is not a Kiln data cache file/);
  });

  it('turns writing off with one WARN when the disk fails, instead of failing training', async () => {
    const sink = memorySink();
    const cache = DiskCache.open(tempDir(), 'k3', 4, 2);
    cache.logger = new Logger({ sinks: [sink] });
    (cache as unknown as { fh: () => Promise<never> }).fh = () => Promise.reject(new Error('ENOSPC: no space left on device'));
    await cache.write(0, Uint8Array.of(1, 2));
    await cache.write(1, Uint8Array.of(1, 2));
    expect(cache.has(0)).toBe(false);
    expect(sink.records.filter((r) => r.level === 'WARN').map((r) => r.message)).toEqual([
      expect.stringMatching(/k3\.kdc: cannot write \(ENOSPC.*decoded without caching/),
    ]);
  });
});
