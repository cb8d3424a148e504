import { Rng } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { pixel, ramp, sameImage } from './__fixtures__/images';
import { translationInverse, warpAffine } from './affine';
import { createImage, type Image } from './image';
import { shiftImage, Translate } from './translate';

/** The whole-pixel shifts (dx, dy) for which `out` is `img` shifted with `fill` in the gap. */
function matchingShifts(img: Image, out: Image, fill: number, maxShift: number): Array<[number, number]> {
  const hits: Array<[number, number]> = [];
  for (let dy = -maxShift; dy <= maxShift; dy++) {
    for (let dx = -maxShift; dx <= maxShift; dx++) {
      let ok = true;
      for (let y = 0; y < img.height && ok; y++) {
        for (let x = 0; x < img.width && ok; x++) {
          const sy = y - dy;
          const sx = x - dx;
          const inside = sy >= 0 && sy < img.height && sx >= 0 && sx < img.width;
          const expected = inside ? pixel(img, sy, sx) : new Array(img.channels).fill(Math.fround(fill));
          ok = pixel(out, y, x).every((v, c) => v === expected[c]);
        }
      }
      if (ok) hits.push([dx, dy]);
    }
  }
  return hits;
}

describe('Translate', () => {
  it('shifts by whole pixels within ±translate·size and fills the gap', () => {
    const img = ramp(8, 8, 3);
    const t = new Translate({ translate: [0.25, 0.125], fill: 0.5 });
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) {
      const hits = matchingShifts(img, t.apply(img, new Rng(seed)), 0.5, 4);
      expect(hits).toHaveLength(1);
      const [dx, dy] = hits[0];
      expect(Math.abs(dx)).toBeLessThanOrEqual(2);
      expect(Math.abs(dy)).toBeLessThanOrEqual(1);
      seen.add(`${dx},${dy}`);
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it('translate 0 is the identity (grayscale)', () => {
    const img = ramp(4, 6, 1);
    expect(sameImage(new Translate({ translate: 0 }).apply(img, new Rng(3)), img)).toBe(true);
  });

  it('same seed → same output; different seeds differ', () => {
    const img = ramp(8, 8, 3);
    const t = new Translate({ translate: 0.4 });
    expect(sameImage(t.apply(img, new Rng(9)), t.apply(img, new Rng(9)))).toBe(true);
    const outs = Array.from({ length: 5 }, (_, s) => t.apply(img, new Rng(100 + s)));
    expect(outs.some((o) => !sameImage(o, outs[0]))).toBe(true);
  });

  it('p = 0 is the identity', () => {
    const img = ramp(4, 4, 3);
    expect(sameImage(new Translate({ p: 0, translate: 0.5 }).apply(img, new Rng(1)), img)).toBe(true);
  });

  it('validates options', () => {
    expect(() => new Translate({ shift: 0.1 } as never)).toThrow(/shift/);
    expect(() => new Translate({ translate: 1.5 })).toThrow();
  });
});

describe('shiftImage (the whole-pixel fast path)', () => {
  it('equals warpAffine of the same translation for every shift, inside and beyond the image', () => {
    const image = createImage(5, 7, 3);
    for (let i = 0; i < image.data.length; i++) image.data[i] = Math.sin(i * 1.7) * 0.5 + 0.5;
    // a zero fill (the default) skips the gap writes: the output starts zeroed
    for (const fill of [Float32Array.of(0.1, 0.2, 0.3), Float32Array.of(0, 0, 0), Float32Array.of(0, 0, 1)]) {
      for (let dy = -6; dy <= 6; dy++) {
        for (let dx = -8; dx <= 8; dx++) {
          const fast = shiftImage(image, dx, dy, fill);
          const slow = warpAffine(image, translationInverse(dx, dy), fill);
          expect(Array.from(fast.data), `dx=${dx} dy=${dy} fill=${fill.join(',')}`).toEqual(Array.from(slow.data));
        }
      }
    }
  });
});
