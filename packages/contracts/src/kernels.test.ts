import { describe, expect, it } from 'vitest';
import { KILN_KERNELS } from './kernels';

describe('KILN_KERNELS', () => {
  it('names are unique and cannot collide with tfjs kernel names', () => {
    const names = Object.values(KILN_KERNELS);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^Kiln[A-Z]\w+$/);
  });
});
