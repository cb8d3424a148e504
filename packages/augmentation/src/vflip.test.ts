import { Rng } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { fromRows, pixel, ramp, sameImage } from './__fixtures__/images';
import { VFlip } from './vflip';

describe('VFlip', () => {
  it('mirrors rows exactly (RGB)', () => {
    const img = ramp(4, 3, 3);
    const before = img.data.slice();
    const out = new VFlip({ p: 1 }).apply(img, new Rng(1));
    for (let y = 0; y < 4; y++) for (let x = 0; x < 3; x++) expect(pixel(out, y, x)).toEqual(pixel(img, 3 - y, x));
    expect(img.data).toEqual(before);
  });

  it('mirrors a grayscale image with known values', () => {
    const img = fromRows([[[0.1], [0.2]], [[0.3], [0.4]], [[0.5], [0.6]]]);
    const out = new VFlip({ p: 1 }).apply(img, new Rng(0));
    expect(Array.from(out.data)).toEqual(Array.from(Float32Array.from([0.5, 0.6, 0.3, 0.4, 0.1, 0.2])));
  });

  it('p = 0 is the identity; default p is 0.5', () => {
    const img = ramp(4, 4, 1);
    expect(sameImage(new VFlip({ p: 0 }).apply(img, new Rng(3)), img)).toBe(true);
    expect(new VFlip().p).toBe(0.5);
  });

  it('same seed → same output; different seeds → both outcomes', () => {
    const img = ramp(4, 4, 3);
    const t = new VFlip();
    const outcomes = new Set<boolean>();
    for (let seed = 0; seed < 20; seed++) {
      const a = t.apply(img, new Rng(seed));
      expect(sameImage(a, t.apply(img, new Rng(seed)))).toBe(true);
      outcomes.add(sameImage(a, img));
    }
    expect(outcomes).toEqual(new Set([true, false]));
  });

  it('rejects unknown keys', () => {
    expect(() => new VFlip({ probability: 0.2 } as never)).toThrow(/probability/);
  });
});
