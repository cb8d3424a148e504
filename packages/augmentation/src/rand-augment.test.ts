import { Rng } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { ramp, sameImage } from './__fixtures__/images';
import { rotationInverse, warpAffine } from './affine';
import { adjustBrightness } from './color-adjust';
import { RandAugment } from './rand-augment';
import { applyRandAugmentOp, RAND_AUGMENT_OPS } from './rand-augment-ops';

const zero = (c: number) => new Float32Array(c);

describe('RandAugment', () => {
  it('every op keeps the size and the [0, 1] range on RGB and grayscale, at m = 0 and m = 30', () => {
    for (const channels of [1, 3]) {
      const img = ramp(8, 8, channels);
      for (const op of RAND_AUGMENT_OPS) {
        for (const strength of [0, 1]) {
          for (const sign of [1, -1]) {
            const out = applyRandAugmentOp(op, img, strength, sign, zero(channels));
            expect([out.height, out.width, out.channels]).toEqual([8, 8, channels]);
            for (const v of out.data) expect(v >= 0 && v <= 1, `${op} ${channels}ch`).toBe(true);
          }
        }
      }
    }
  });

  it('magnitude 0 leaves images unchanged for the enhance and geometric ops', () => {
    const img = ramp(6, 6, 3);
    for (const op of ['brightness', 'color', 'contrast', 'sharpness', 'rotate', 'shear_x', 'shear_y', 'translate_x', 'translate_y', 'identity'] as const) {
      expect(sameImage(applyRandAugmentOp(op, img, 0, -1, zero(3)), img), op).toBe(true);
    }
  });

  it('posterize at m = 0 only rounds to 8-bit levels; solarize at m = 30 inverts everything', () => {
    const img = ramp(4, 4, 1);
    const out = applyRandAugmentOp('posterize', img, 0, 1, zero(1));
    Array.from(out.data).forEach((v, i) => expect(v).toBeCloseTo(Math.round(img.data[i] * 255) / 255, 6));
    const inv = applyRandAugmentOp('solarize', img, 1, 1, zero(1));
    Array.from(inv.data).forEach((v, i) => expect(v).toBeCloseTo(1 - img.data[i], 6));
  });

  it('a rotate-only policy rotates by exactly ±m° (m = 15 → ±15°), both signs seen', () => {
    const img = ramp(8, 8, 3);
    const plus = warpAffine(img, rotationInverse(8, 8, 15), zero(3));
    const minus = warpAffine(img, rotationInverse(8, 8, -15), zero(3));
    const t = new RandAugment({ n: 1, m: 15, ops: ['rotate'] });
    const signs = new Set<number>();
    for (let seed = 0; seed < 12; seed++) {
      const out = t.apply(img, new Rng(seed));
      const isPlus = sameImage(out, plus);
      expect(isPlus || sameImage(out, minus)).toBe(true);
      signs.add(isPlus ? 1 : -1);
    }
    expect(signs.size).toBe(2);
  });

  it('brightness at m = 30 scales by 1.9 or 0.1', () => {
    const img = ramp(4, 4, 1);
    const out = new RandAugment({ n: 1, m: 30, ops: ['brightness'] }).apply(img, new Rng(1));
    expect(sameImage(out, adjustBrightness(img, 1.9)) || sameImage(out, adjustBrightness(img, 0.1))).toBe(true);
  });

  it('n = 0 and an identity-only policy are the identity; p = 0 too', () => {
    const img = ramp(5, 5, 3);
    expect(sameImage(new RandAugment({ n: 0 }).apply(img, new Rng(1)), img)).toBe(true);
    expect(sameImage(new RandAugment({ n: 3, ops: ['identity'] }).apply(img, new Rng(1)), img)).toBe(true);
    expect(sameImage(new RandAugment({ p: 0, m: 30 }).apply(img, new Rng(1)), img)).toBe(true);
  });

  it('same seed → same output; different seeds differ; input untouched', () => {
    const img = ramp(8, 8, 3);
    const before = img.data.slice();
    const t = new RandAugment({ n: 2, m: 12 });
    expect(sameImage(t.apply(img, new Rng(21)), t.apply(img, new Rng(21)))).toBe(true);
    const outs = Array.from({ length: 6 }, (_, s) => t.apply(img, new Rng(s)));
    expect(outs.some((o) => !sameImage(o, outs[0]))).toBe(true);
    expect(img.data).toEqual(before);
  });

  it('defaults and validation', () => {
    const t = new RandAugment();
    expect([t.n, t.m, t.ops.length, t.p]).toEqual([2, 9, 14, 1]);
    expect(() => new RandAugment({ magnitude: 9 } as never)).toThrow(/magnitude/);
    expect(() => new RandAugment({ m: 31 })).toThrow();
    expect(() => new RandAugment({ ops: ['rotate', 'wobble' as never] })).toThrow();
    expect(() => new RandAugment({ n: 1.5 })).toThrow();
  });
});
