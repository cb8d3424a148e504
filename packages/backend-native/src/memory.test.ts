import { describe, expect, it } from 'vitest';
import { hugePagesEnabled } from './buffer-pool.js';
import { loadAddon } from './load-addon.js';

describe.skipIf(!loadAddon())('hugePageAlign (memory.cc)', () => {
  const addon = loadAddon()!;
  const HUGE = 2 << 20;

  it('gives a 2 MB-aligned view of n floats inside the array (Linux), or -1', () => {
    const n = (8 << 20) / 4;
    const whole = new Float32Array(Buffer.allocUnsafeSlow((8 << 20) + HUGE).buffer);
    const at = addon.hugePageAlign(whole, n);
    if (process.platform !== 'linux') {
      expect(at).toBe(-1);
      return;
    }
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at + n).toBeLessThanOrEqual(whole.length);
    const view = whole.subarray(at, at + n);
    view.fill(1.5);
    expect(view[0] + view[n - 1]).toBe(3);
    // no room for an aligned view, or nothing to advise: -1
    expect(addon.hugePageAlign(new Float32Array(1024), 1024)).toBe(-1);
    expect(addon.hugePageAlign(whole, 0)).toBe(-1);
    expect(addon.hugePageAlign(whole, whole.length)).toBe(-1);
  });

  it('rejects anything but a Float32Array and a count', () => {
    expect(() => addon.hugePageAlign(new Int32Array(4) as unknown as Float32Array, 1)).toThrow(/Float32Array/);
    expect(() => addon.hugePageAlign(new Float32Array(4), -1)).toThrow();
    expect(() => (addon.hugePageAlign as (...a: unknown[]) => number)(new Float32Array(4))).toThrow();
  });

  it('is on unless KILN_NATIVE_HUGEPAGES=0', () => {
    expect(hugePagesEnabled({})).toBe(true);
    expect(hugePagesEnabled({ KILN_NATIVE_HUGEPAGES: '0' })).toBe(false);
  });
});
