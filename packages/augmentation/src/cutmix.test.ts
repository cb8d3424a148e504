import { Rng } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { CutMix, sampleCutBox } from './cutmix';
import { oneHot } from './one-hot';

/** Image i is filled with the value (i + 1) / 10, so a pixel's value says which image it came from. */
function batchOf(n: number, h: number, w: number, c: number, numClasses: number) {
  const size = h * w * c;
  const images = new Float32Array(n * size);
  for (let i = 0; i < n; i++) images.fill((i + 1) / 10, i * size, (i + 1) * size);
  const labels = Array.from({ length: n }, (_, i) => i % numClasses);
  return { images, shape: [n, h, w, c] as [number, number, number, number], targets: oneHot(labels, numClasses), numClasses };
}

describe('CutMix', () => {
  it('pastes a rectangle from image i − 1 whose area matches 1 − λ, and mixes targets by λ', () => {
    let pasted = 0;
    for (let seed = 0; seed < 20; seed++) {
      const batch = batchOf(3, 8, 8, 3, 3);
      const out = new CutMix({ alpha: 1 }).applyBatch(batch, new Rng(seed));
      const size = 8 * 8 * 3;
      for (let i = 0; i < 3; i++) {
        const own = Math.fround((i + 1) / 10);
        const partner = Math.fround((((i + 2) % 3) + 1) / 10);
        let fromPartner = 0;
        let top = Infinity, left = Infinity, bottom = -1, right = -1;
        for (let p = 0; p < 64; p++) {
          const v = out.images[i * size + p * 3];
          expect(v === own || v === partner).toBe(true);
          if (v === partner) {
            fromPartner++;
            const y = Math.floor(p / 8), x = p % 8;
            top = Math.min(top, y); left = Math.min(left, x); bottom = Math.max(bottom, y); right = Math.max(right, x);
          }
        }
        if (fromPartner) expect((bottom - top + 1) * (right - left + 1)).toBe(fromPartner); // a solid box
        expect(1 - fromPartner / 64).toBeCloseTo(out.lambda, 6);
        const row = Array.from(out.targets.subarray(i * 3, i * 3 + 3));
        expect(row[i]).toBeCloseTo(out.lambda, 6);
        expect(row[(i + 2) % 3]).toBeCloseTo(1 - out.lambda, 6);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
        pasted += fromPartner;
      }
    }
    expect(pasted).toBeGreaterThan(0);
  });

  it('box sides follow √(1 − λ) and are clipped to the image', () => {
    for (let seed = 0; seed < 50; seed++) {
      const box = sampleCutBox(16, 16, 0.75, new Rng(seed));
      expect(box.top).toBeGreaterThanOrEqual(0);
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.top + box.height).toBeLessThanOrEqual(16);
      expect(box.left + box.width).toBeLessThanOrEqual(16);
      expect(box.height).toBeLessThanOrEqual(8); // half-side ⌊0.5·√0.25·16⌋ = 4
      expect(box.width).toBeLessThanOrEqual(8);
    }
    // λ = 0 → half-sides of half the image: centred at (8, 8) the box is the whole 16×16 image.
    const full = Array.from({ length: 400 }, (_, s) => sampleCutBox(16, 16, 0, new Rng(s))).find((b) => b.height * b.width === 256);
    expect(full).toEqual({ top: 0, left: 0, height: 16, width: 16 });
  });

  it('grayscale batches work; same seed → same output; different seeds differ', () => {
    const batch = batchOf(4, 8, 8, 1, 2);
    const t = new CutMix();
    const a = t.applyBatch(batch, new Rng(3));
    expect(t.applyBatch(batch, new Rng(3)).images).toEqual(a.images);
    const others = [4, 5, 6].map((s) => t.applyBatch(batch, new Rng(s)).images);
    expect(others.some((o) => o.some((v, i) => v !== a.images[i]))).toBe(true);
  });

  it('p = 0 returns copies unchanged; options are validated', () => {
    const batch = batchOf(2, 4, 4, 3, 2);
    const out = new CutMix({ p: 0 }).applyBatch(batch, new Rng(1));
    expect(out.images).toEqual(batch.images);
    expect(out.targets).toEqual(batch.targets);
    expect(() => new CutMix({ alpha: -1 })).toThrow();
    expect(() => new CutMix({ beta: 1 } as never)).toThrow(/beta/);
  });
});
