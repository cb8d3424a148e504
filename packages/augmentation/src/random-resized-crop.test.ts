import { Rng } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { constant, ramp, sameImage } from './__fixtures__/images';
import { RandomResizedCrop, sampleCropBox } from './random-resized-crop';

describe('RandomResizedCrop', () => {
  it('scale 1 and ratio 1 on a square image is the identity', () => {
    const img = ramp(8, 8, 3);
    const out = new RandomResizedCrop({ scale: [1, 1], ratio: [1, 1] }).apply(img, new Rng(5));
    expect(sameImage(out, img)).toBe(true);
  });

  it('scale 1 with the image aspect on a non-square grayscale image is the identity', () => {
    const img = ramp(4, 8, 1);
    const out = new RandomResizedCrop({ scale: [1, 1], ratio: [2, 2] }).apply(img, new Rng(5));
    expect(sameImage(out, img)).toBe(true);
  });

  it('keeps the input size and the value range', () => {
    const img = ramp(8, 6, 3);
    const lo = Math.min(...img.data);
    const hi = Math.max(...img.data);
    for (let seed = 0; seed < 20; seed++) {
      const out = new RandomResizedCrop({ scale: [0.1, 0.5] }).apply(img, new Rng(seed));
      expect([out.height, out.width, out.channels, out.data.length]).toEqual([8, 6, 3, 8 * 6 * 3]);
      for (const v of out.data) {
        expect(v).toBeGreaterThanOrEqual(lo - 1e-6);
        expect(v).toBeLessThanOrEqual(hi + 1e-6);
      }
    }
  });

  it('a constant image stays constant', () => {
    const out = new RandomResizedCrop().apply(constant(8, 8, 3, 0.3), new Rng(2));
    for (const v of out.data) expect(v).toBeCloseTo(0.3, 6);
  });

  it('sampled boxes lie inside the image with area and aspect in range', () => {
    for (let seed = 0; seed < 200; seed++) {
      const box = sampleCropBox(32, 32, [0.25, 0.5], [0.5, 2], new Rng(seed));
      expect(box.top).toBeGreaterThanOrEqual(0);
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.top + box.height).toBeLessThanOrEqual(32);
      expect(box.left + box.width).toBeLessThanOrEqual(32);
      const area = (box.height * box.width) / (32 * 32);
      // Rounding sides to whole pixels moves the area a little.
      expect(area).toBeGreaterThan(0.2);
      expect(area).toBeLessThan(0.56);
      expect(box.width / box.height).toBeGreaterThan(0.4);
      expect(box.width / box.height).toBeLessThan(2.5);
    }
  });

  it('falls back to a centre crop when no box fits', () => {
    // Aspect 10 cannot fit in a 4×4 image at any area ≥ 0.9, so all 10 tries fail.
    const box = sampleCropBox(4, 4, [0.9, 1], [10, 10], new Rng(0));
    expect(box).toEqual({ top: 1, left: 0, height: 1, width: 4 });
    expect(sampleCropBox(4, 8, [1, 1], [1, 1], new Rng(0))).toEqual({ top: 0, left: 2, height: 4, width: 4 });
  });

  it('is deterministic under a seed and varies across seeds', () => {
    const img = ramp(8, 8, 3);
    const t = new RandomResizedCrop();
    expect(sameImage(t.apply(img, new Rng(11)), t.apply(img, new Rng(11)))).toBe(true);
    expect(sameImage(t.apply(img, new Rng(11)), t.apply(img, new Rng(12)))).toBe(false);
  });

  it('p = 0 is the identity', () => {
    const img = ramp(8, 8, 3);
    expect(sameImage(new RandomResizedCrop({ p: 0 }).apply(img, new Rng(1)), img)).toBe(true);
  });

  it('validates options', () => {
    expect(() => new RandomResizedCrop({ size: 4 } as never)).toThrow(/size/);
    expect(() => new RandomResizedCrop({ scale: [0.9, 0.1] })).toThrow(/lo <= hi/);
    expect(() => new RandomResizedCrop({ ratio: [0, 1] })).toThrow(/ratio/);
  });
});
