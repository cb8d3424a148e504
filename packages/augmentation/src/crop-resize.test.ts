import { describe, expect, it } from 'vitest';
import { fromRows, ramp, sameImage } from './__fixtures__/images';
import { cropResize } from './crop-resize';

describe('cropResize', () => {
  it('whole image at the same size is an exact copy', () => {
    const img = ramp(5, 7, 3);
    expect(sameImage(cropResize(img, { top: 0, left: 0, height: 5, width: 7 }, 5, 7), img)).toBe(true);
  });

  it('upsamples 1×2 → 1×4 with half-pixel centres and clamped edges', () => {
    const img = fromRows([[[0.2], [0.6]]]);
    const out = cropResize(img, { top: 0, left: 0, height: 1, width: 2 }, 1, 4);
    const expected = [0.2, 0.75 * 0.2 + 0.25 * 0.6, 0.25 * 0.2 + 0.75 * 0.6, 0.6];
    Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('a 1×1 crop fills the output with that pixel', () => {
    const img = ramp(4, 4, 3);
    const out = cropResize(img, { top: 2, left: 1, height: 1, width: 1 }, 4, 4);
    const o = (2 * 4 + 1) * 3;
    for (let i = 0; i < 16; i++) expect(Array.from(out.data.subarray(i * 3, i * 3 + 3))).toEqual(Array.from(img.data.subarray(o, o + 3)));
  });

  it('a 2× downsample of the top-left 4×4 averages 2×2 blocks', () => {
    const img = ramp(4, 4, 1);
    const out = cropResize(img, { top: 0, left: 0, height: 4, width: 4 }, 2, 2);
    const v = (y: number, x: number) => img.data[y * 4 + x];
    expect(out.data[0]).toBeCloseTo((v(0, 0) + v(0, 1) + v(1, 0) + v(1, 1)) / 4, 6);
    expect(out.data[3]).toBeCloseTo((v(2, 2) + v(2, 3) + v(3, 2) + v(3, 3)) / 4, 6);
  });
});
