import { Rng } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { ramp, sameImage } from './__fixtures__/images';
import type { Image } from './image';
import { RandomErasing } from './random-erasing';

/** Bounding box of the pixels that differ between a and b (any channel). */
function changedBox(a: Image, b: Image): { top: number; left: number; bottom: number; right: number; count: number } {
  let top = Infinity, left = Infinity, bottom = -1, right = -1, count = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const o = (y * a.width + x) * a.channels;
      let diff = false;
      for (let c = 0; c < a.channels; c++) diff ||= a.data[o + c] !== b.data[o + c];
      if (diff) {
        count++;
        top = Math.min(top, y); left = Math.min(left, x); bottom = Math.max(bottom, y); right = Math.max(right, x);
      }
    }
  }
  return { top, left, bottom, right, count };
}

describe('RandomErasing', () => {
  it('writes the value in one filled rectangle whose area is within scale', () => {
    const img = ramp(8, 8, 3);
    const t = new RandomErasing({ p: 1, value: 0.75, scale: [0.1, 0.3] });
    for (let seed = 0; seed < 20; seed++) {
      const out = t.apply(img, new Rng(seed));
      const box = changedBox(img, out);
      const area = (box.bottom - box.top + 1) * (box.right - box.left + 1);
      expect(box.count).toBe(area); // every pixel of the bounding box changed: a solid rectangle
      for (let y = box.top; y <= box.bottom; y++) {
        for (let x = box.left; x <= box.right; x++) {
          const o = (y * 8 + x) * 3;
          expect(Array.from(out.data.subarray(o, o + 3))).toEqual([0.75, 0.75, 0.75]);
        }
      }
      expect(area / 64).toBeGreaterThanOrEqual(0.05);
      expect(area / 64).toBeLessThanOrEqual(0.4);
    }
  });

  it('per-channel and random values; grayscale', () => {
    const rgb = new RandomErasing({ p: 1, value: [1, 0, 0.5], scale: [0.2, 0.2], ratio: [1, 1] }).apply(ramp(10, 10, 3), new Rng(1));
    const vals = new Set<string>();
    for (let i = 0; i < 100; i++) vals.add(Array.from(rgb.data.subarray(i * 3, i * 3 + 3)).join());
    expect(vals.has('1,0,0.5')).toBe(true);
    const gray = ramp(10, 10, 1);
    const noisy = new RandomErasing({ p: 1, value: 'random', scale: [0.3, 0.3], ratio: [1, 1] }).apply(gray, new Rng(2));
    const box = changedBox(gray, noisy);
    expect(box.count).toBeGreaterThan(20);
    for (const v of noisy.data) expect(v >= 0 && v <= 1).toBe(true);
    expect(() => new RandomErasing({ p: 1, value: [1, 0] }).apply(ramp(4, 4, 3), new Rng(0))).toThrow(/2 entries/);
  });

  it('same seed → same output; different seeds differ', () => {
    const img = ramp(8, 8, 3);
    const t = new RandomErasing({ p: 1 });
    expect(sameImage(t.apply(img, new Rng(5)), t.apply(img, new Rng(5)))).toBe(true);
    expect(sameImage(t.apply(img, new Rng(5)), t.apply(img, new Rng(6)))).toBe(false);
  });

  it('p = 0 is the identity; default p is 0.5', () => {
    const img = ramp(8, 8, 1);
    expect(sameImage(new RandomErasing({ p: 0 }).apply(img, new Rng(1)), img)).toBe(true);
    expect(new RandomErasing().p).toBe(0.5);
  });

  it('validates options', () => {
    expect(() => new RandomErasing({ values: 0 } as never)).toThrow(/values/);
    expect(() => new RandomErasing({ value: 'noise' as never })).toThrow();
    expect(() => new RandomErasing({ scale: [0.5, 0.1] })).toThrow(/lo <= hi/);
  });
});
