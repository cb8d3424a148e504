import { Rng } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { sampleBeta, sampleGamma } from './beta';

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sq / n - mean * mean };
}

describe('sampleBeta / sampleGamma', () => {
  it.each([
    [1, 1],
    [2, 5],
    [0.4, 0.4],
  ])('Beta(%f, %f) has the right mean and variance and stays in [0, 1]', (a, b) => {
    const rng = new Rng(7, a, b);
    const draws: number[] = [];
    const m = moments(() => {
      const x = sampleBeta(a, b, rng);
      draws.push(x);
      return x;
    }, 20000);
    const mean = a / (a + b);
    const variance = (a * b) / ((a + b) ** 2 * (a + b + 1));
    expect(Math.abs(m.mean - mean)).toBeLessThan(4 * Math.sqrt(variance / 20000)); // 4 standard errors
    expect(Math.abs(m.variance - variance)).toBeLessThan(0.1 * variance);
    expect(draws.every((x) => x >= 0 && x <= 1)).toBe(true);
  });

  it('Gamma(k) has mean k and variance k', () => {
    for (const k of [0.5, 3]) {
      const rng = new Rng(3, k);
      const m = moments(() => sampleGamma(k, rng), 20000);
      expect(Math.abs(m.mean - k)).toBeLessThan(0.05 * k);
      expect(Math.abs(m.variance - k)).toBeLessThan(0.1 * k);
    }
  });

  it('is deterministic under a seed and rejects bad shapes', () => {
    expect(sampleBeta(0.8, 0.8, new Rng(1))).toBe(sampleBeta(0.8, 0.8, new Rng(1)));
    expect(sampleBeta(0.8, 0.8, new Rng(1))).not.toBe(sampleBeta(0.8, 0.8, new Rng(2)));
    expect(() => sampleGamma(0, new Rng(1))).toThrow(/shape/);
  });
});
