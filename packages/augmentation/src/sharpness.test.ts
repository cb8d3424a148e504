import { describe, expect, it } from 'vitest';
import { constant, ramp, sameImage } from './__fixtures__/images';
import { adjustSharpness } from './sharpness';

describe('adjustSharpness', () => {
  it('factor 1 is the identity and a constant image never changes', () => {
    const img = ramp(5, 5, 3);
    expect(sameImage(adjustSharpness(img, 1), img)).toBe(true);
    expect(sameImage(adjustSharpness(constant(4, 4, 1, 0.6), 1.9), constant(4, 4, 1, 0.6))).toBe(true);
  });

  it('factor 0 replaces inner pixels with the PIL smoothing kernel and keeps the border', () => {
    const data = new Float32Array(9);
    data[4] = 0.65; // a single bright centre pixel
    const out = adjustSharpness({ data, height: 3, width: 3, channels: 1 }, 0);
    expect(out.data[4]).toBeCloseTo((5 * 0.65) / 13, 6);
    expect(out.data[0]).toBe(0);
  });

  it('factor > 1 sharpens: a bright spot gets brighter (clamped)', () => {
    const data = new Float32Array(9).fill(0.2);
    data[4] = 0.5;
    const out = adjustSharpness({ data, height: 3, width: 3, channels: 1 }, 1.9);
    const smooth = (8 * 0.2 + 5 * 0.5) / 13;
    expect(out.data[4]).toBeCloseTo(smooth + 1.9 * (0.5 - smooth), 6);
  });
});
