import { ConfigError, Rng, validateOptions } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { fromRows, pixel, ramp, sameImage } from './__fixtures__/images';
import { HFlip } from './hflip';

describe('HFlip', () => {
  it('mirrors an RGB image exactly (p = 1)', () => {
    const img = ramp(3, 4, 3);
    const before = img.data.slice();
    const out = new HFlip({ p: 1 }).apply(img, new Rng(1));
    for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) expect(pixel(out, y, x)).toEqual(pixel(img, y, 3 - x));
    expect(img.data).toEqual(before); // input untouched
    expect(out.data).not.toBe(img.data);
  });

  it('mirrors a grayscale image with known values', () => {
    const img = fromRows([[[0.1], [0.2], [0.3]], [[0.4], [0.5], [0.6]]]);
    const out = new HFlip({ p: 1 }).apply(img, new Rng(0));
    expect(Array.from(out.data)).toEqual(Array.from(Float32Array.from([0.3, 0.2, 0.1, 0.6, 0.5, 0.4])));
  });

  it('flipping twice gives back the image', () => {
    const img = ramp(5, 5, 3);
    const t = new HFlip({ p: 1 });
    expect(sameImage(t.apply(t.apply(img, new Rng(1)), new Rng(2)), img)).toBe(true);
  });

  it('p = 0 returns an identical copy', () => {
    const img = ramp(4, 4, 1);
    const out = new HFlip({ p: 0 }).apply(img, new Rng(3));
    expect(sameImage(out, img)).toBe(true);
    expect(out.data).not.toBe(img.data);
  });

  it('is deterministic under a seed and flips about half the time by default', () => {
    const img = ramp(4, 4, 3);
    const t = new HFlip();
    expect(t.p).toBe(0.5);
    let flipped = 0;
    for (let seed = 0; seed < 200; seed++) {
      const a = t.apply(img, new Rng(seed));
      expect(sameImage(a, t.apply(img, new Rng(seed)))).toBe(true);
      if (!sameImage(a, img)) flipped++;
    }
    expect(flipped).toBeGreaterThan(70);
    expect(flipped).toBeLessThan(130);
  });

  it('rejects unknown option keys', () => {
    expect(() => new HFlip({ prob: 1 } as never)).toThrow(/prob/);
    expect(() => validateOptions(HFlip.optionsSchema, { pp: 1 }, { component: 'hflip', kind: 'transforms', path: 'augment' })).toThrow(
      ConfigError,
    );
    expect(() => new HFlip({ p: 1.5 })).toThrow();
  });
});
