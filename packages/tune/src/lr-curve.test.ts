import { describe, expect, it } from 'vitest';
import { formatLr, LrCurve, smoothingFor, suggestLr, sweepLr, type LrPoint } from './lr-curve';

/** A textbook range-test curve: flat, a falling sigmoid centred at lr = 1e-3, then a blow-up. */
function textbook(steps: number): LrPoint[] {
  return Array.from({ length: steps }, (_, t) => {
    const lr = sweepLr(t, steps, 1e-6, 1);
    const x = Math.log10(lr);
    const loss = 1 + 1 / (1 + Math.exp(3 * (x + 3))) + (x > -0.7 ? 20 * (x + 0.7) : 0);
    return { lr, loss, smoothed: loss };
  });
}

describe('sweepLr', () => {
  it('goes exponentially from min to max', () => {
    expect(sweepLr(0, 5, 1e-4, 1)).toBeCloseTo(1e-4, 15);
    expect(sweepLr(2, 5, 1e-4, 1)).toBeCloseTo(1e-2, 12);
    expect(sweepLr(4, 5, 1e-4, 1)).toBeCloseTo(1, 12);
    expect(sweepLr(9, 5, 1e-4, 1)).toBeCloseTo(1, 12); // clamped past the end
  });
});

describe('LrCurve', () => {
  it('smooths with a debiased EMA (the first point equals the loss)', () => {
    const c = new LrCurve(0.9);
    c.add(1e-5, 2);
    c.add(1e-4, 1);
    expect(c.points[0].smoothed).toBeCloseTo(2, 12);
    expect(c.points[1].smoothed).toBeCloseTo((0.9 * 0.1 * 2 + 0.1 * 1) / (1 - 0.81), 12);
  });

  it('reports divergence above 4× the best smoothed loss, and on NaN', () => {
    const c = new LrCurve(0, 4);
    expect(c.add(1, 1)).toBe(false);
    expect(c.add(2, 0.5)).toBe(false);
    expect(c.add(3, 1.9)).toBe(false);
    expect(c.add(4, 2.1)).toBe(true);
    expect(new LrCurve().add(1, Number.NaN)).toBe(true);
  });

  it('smooths short sweeps less than long ones', () => {
    expect(smoothingFor(100)).toBeCloseTo(0.9, 12);
    expect(smoothingFor(1000)).toBe(0.98);
    expect(smoothingFor(5)).toBe(0.5);
  });
});

describe('suggestLr', () => {
  it('picks the steepest descent, not the blow-up or its noise', () => {
    const points = textbook(100);
    const s = suggestLr(points)!;
    expect(Math.log10(s.lr)).toBeGreaterThan(-3.3);
    expect(Math.log10(s.lr)).toBeLessThan(-2.7);
    expect(points[s.index].lr).toBe(s.lr);
  });

  it('ignores a fall that comes after the minimum', () => {
    const points = textbook(100).map((p, i) => (i > 85 ? { ...p, smoothed: 50 - 3 * (i - 85) } : p));
    expect(Math.log10(suggestLr(points)!.lr)).toBeLessThan(-2.7);
  });

  it('works on short sweeps and gives up below 3 points', () => {
    expect(suggestLr(textbook(8))).toBeDefined();
    expect(suggestLr(textbook(2))).toBeUndefined();
  });
});

describe('formatLr', () => {
  it('writes two significant digits as an override value', () => {
    expect(formatLr(0.0032)).toBe('3.2e-3');
    expect(formatLr(4e-4)).toBe('4e-4');
    expect(formatLr(1)).toBe('1e0');
    expect(Number(formatLr(0.00316))).toBeCloseTo(0.0032, 12);
  });
});
