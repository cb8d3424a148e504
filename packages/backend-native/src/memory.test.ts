import { describe, expect, it } from 'vitest';
import { hugePagesEnabled } from './buffer-pool.js';
import { loadAddon } from './load-addon.js';

describe.skipIf(!loadAddon())('adviseHugePages (memory.cc)', () => {
  const addon = loadAddon()!;

  it('advises only the 2 MB-aligned interior of a large array, nothing of a small one, and keeps its values', () => {
    expect(addon.adviseHugePages(new Float32Array(1024))).toBe(0);
    const big = new Float32Array(Buffer.allocUnsafeSlow(16 << 20).buffer);
    const advised = addon.adviseHugePages(big);
    if (process.platform === 'linux') {
      expect(advised % (2 << 20)).toBe(0);
      expect(advised).toBeGreaterThanOrEqual(12 << 20); // at most 2 MB lost at either end
      expect(advised).toBeLessThanOrEqual(16 << 20);
    } else {
      expect(advised).toBe(0);
    }
    big.fill(1.5);
    expect(big[0] + big[big.length - 1]).toBe(3);
  });

  it('rejects anything but a Float32Array', () => {
    expect(() => addon.adviseHugePages(new Int32Array(4) as unknown as Float32Array)).toThrow(/Float32Array/);
    expect(() => (addon.adviseHugePages as (...a: unknown[]) => number)()).toThrow();
  });

  it('is on unless KILN_NATIVE_HUGEPAGES=0', () => {
    expect(hugePagesEnabled({})).toBe(true);
    expect(hugePagesEnabled({ KILN_NATIVE_HUGEPAGES: '0' })).toBe(false);
  });
});
