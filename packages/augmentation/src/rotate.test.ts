import { Rng } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { constant, pixel, ramp, sameImage } from './__fixtures__/images';
import { Rotate } from './rotate';

describe('Rotate', () => {
  it('degrees [90, 90] maps known pixels of a square (RGB)', () => {
    const img = ramp(4, 4, 3);
    const out = new Rotate({ degrees: [90, 90] }).apply(img, new Rng(0));
    expect(pixel(out, 0, 0)).toEqual(pixel(img, 0, 3)); // top-right → top-left
    expect(pixel(out, 3, 0)).toEqual(pixel(img, 0, 0)); // top-left → bottom-left
    expect(pixel(out, 3, 3)).toEqual(pixel(img, 3, 0));
    expect(pixel(out, 1, 2)).toEqual(pixel(img, 2, 2));
  });

  it('degrees [0, 0] is the identity (grayscale)', () => {
    const img = ramp(5, 3, 1);
    expect(sameImage(new Rotate({ degrees: 0 }).apply(img, new Rng(1)), img)).toBe(true);
  });

  it('fills uncovered corners with the per-channel fill', () => {
    const out = new Rotate({ degrees: [45, 45], fill: [1, 0, 0.5] }).apply(constant(8, 8, 3, 0.2), new Rng(0));
    expect(pixel(out, 0, 0)).toEqual(Array.from(Float32Array.from([1, 0, 0.5])));
    expect(() => new Rotate({ degrees: 10, fill: [1, 0] }).apply(constant(4, 4, 3, 0), new Rng(0))).toThrow(/2 values.*3 channels/);
  });

  it('angles stay within the range: ±d rotations of a 90° grid are 90° only at the ends', () => {
    const t = new Rotate({ degrees: 30 });
    expect(t.degrees).toEqual([-30, 30]);
  });

  it('same seed → same output; different seed → different output; input untouched', () => {
    const img = ramp(8, 8, 3);
    const before = img.data.slice();
    const t = new Rotate({ degrees: 30 });
    expect(sameImage(t.apply(img, new Rng(4)), t.apply(img, new Rng(4)))).toBe(true);
    expect(sameImage(t.apply(img, new Rng(4)), t.apply(img, new Rng(5)))).toBe(false);
    expect(img.data).toEqual(before);
  });

  it('p = 0 is the identity', () => {
    const img = ramp(4, 4, 3);
    expect(sameImage(new Rotate({ p: 0 }).apply(img, new Rng(1)), img)).toBe(true);
  });

  it('validates options', () => {
    expect(() => new Rotate({ degree: 10 } as never)).toThrow(/degree/);
    expect(() => new Rotate({ degrees: -5 })).toThrow();
    expect(() => new Rotate({ degrees: [10, -10] })).toThrow(/lo <= hi/);
    expect(() => new Rotate({ fill: 2 })).toThrow();
  });
});
