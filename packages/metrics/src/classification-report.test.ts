import { describe, expect, it } from 'vitest';
import { classificationReport, formatClassificationReport } from './classification-report';

describe('classificationReport', () => {
  const matrix = [
    [1, 2, 0],
    [0, 1, 1],
    [1, 0, 2],
  ];

  it('gives per-class rows, accuracy and averages', () => {
    const r = classificationReport(matrix, ['cat', 'dog', 'fox']);
    expect(r.classes.map((c) => c.support)).toEqual([3, 2, 3]);
    expect(r.classes[0].precision).toBeCloseTo(0.5, 12);
    expect(r.classes[0].recall).toBeCloseTo(1 / 3, 12);
    expect(r.classes[1].f1).toBeCloseTo(0.4, 12);
    expect(r.accuracy).toBe(0.5);
    expect(r.macro.f1).toBeCloseTo((0.4 + 0.4 + 2 / 3) / 3, 12);
    expect(r.weighted.f1).toBeCloseTo(0.5, 12);
    expect(r.total).toBe(8);
    const text = formatClassificationReport(r);
    expect(text).toMatch(/cat\s+0\.5000\s+0\.3333\s+0\.4000\s+3/);
    expect(text).toMatch(/accuracy\s+0\.5000\s+8/);
  });

  it('refuses a class list of the wrong length', () => {
    expect(() => classificationReport(matrix, ['a', 'b'])).toThrow(/2 class names for a 3×3/);
  });
});
