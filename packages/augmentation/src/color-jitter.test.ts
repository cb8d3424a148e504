import { Rng } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { constant, ramp, sameImage } from './__fixtures__/images';
import { grayscale } from './color-adjust';
import { ColorJitter } from './color-jitter';

const off = { brightness: 0, contrast: 0, saturation: 0, hue: 0 };

describe('ColorJitter', () => {
  it('a fixed brightness factor scales every value', () => {
    const img = ramp(4, 4, 3);
    const out = new ColorJitter({ ...off, brightness: [0.5, 0.5] }).apply(img, new Rng(1));
    Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo(img.data[i] * 0.5, 6));
  });

  it('brightness b draws factors within [1 − b, 1 + b]', () => {
    const img = constant(2, 2, 1, 0.4);
    const t = new ColorJitter({ ...off, brightness: 0.25 });
    expect(t.brightness).toEqual([0.75, 1.25]);
    const factors = Array.from({ length: 50 }, (_, s) => t.apply(img, new Rng(s)).data[0] / 0.4);
    for (const f of factors) {
      expect(f).toBeGreaterThanOrEqual(0.75 - 1e-6);
      expect(f).toBeLessThanOrEqual(1.25 + 1e-6);
    }
    expect(Math.max(...factors) - Math.min(...factors)).toBeGreaterThan(0.3);
  });

  it('saturation [0, 0] turns RGB into grey', () => {
    const img = ramp(3, 3, 3);
    const g = grayscale(img);
    const out = new ColorJitter({ ...off, saturation: [0, 0] }).apply(img, new Rng(2));
    for (let i = 0; i < 9; i++) for (let c = 0; c < 3; c++) expect(out.data[i * 3 + c]).toBeCloseTo(g[i], 6);
  });

  it('all off is the identity, and grayscale images work with every option on', () => {
    const img = ramp(4, 4, 3);
    expect(sameImage(new ColorJitter(off).apply(img, new Rng(3)), img)).toBe(true);
    const gray = ramp(4, 4, 1);
    const out = new ColorJitter({ hue: 0.2 }).apply(gray, new Rng(3));
    expect(out.channels).toBe(1);
    for (const v of out.data) expect(v >= 0 && v <= 1).toBe(true);
  });

  it('same seed → same output; different seeds differ; input untouched', () => {
    const img = ramp(4, 4, 3);
    const before = img.data.slice();
    const t = new ColorJitter({ hue: 0.1 });
    expect(sameImage(t.apply(img, new Rng(7)), t.apply(img, new Rng(7)))).toBe(true);
    expect(sameImage(t.apply(img, new Rng(7)), t.apply(img, new Rng(8)))).toBe(false);
    expect(img.data).toEqual(before);
  });

  it('p = 0 is the identity', () => {
    const img = ramp(4, 4, 3);
    expect(sameImage(new ColorJitter({ p: 0 }).apply(img, new Rng(1)), img)).toBe(true);
  });

  it('validates options', () => {
    expect(() => new ColorJitter({ brightnes: 0.2 } as never)).toThrow(/brightnes/);
    expect(() => new ColorJitter({ hue: 0.7 })).toThrow();
    expect(() => new ColorJitter({ contrast: -1 })).toThrow();
  });
});
