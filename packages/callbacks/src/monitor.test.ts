import { describe, expect, it } from 'vitest';
import { describeMissing, isImprovement, worstScore } from './monitor';

describe('monitor helpers', () => {
  it('compares in the direction of the mode, beyond minDelta', () => {
    expect(isImprovement(0.6, 0.5, 'max')).toBe(true);
    expect(isImprovement(0.5, 0.5, 'max')).toBe(false);
    expect(isImprovement(0.4, 0.5, 'min')).toBe(true);
    expect(isImprovement(0.45, 0.5, 'min', 0.1)).toBe(false);
    expect(isImprovement(0.35, 0.5, 'min', 0.1)).toBe(true);
  });

  it('never lets NaN improve, and anything finite beats the worst score', () => {
    expect(isImprovement(NaN, 0.5, 'max')).toBe(false);
    expect(isImprovement(NaN, worstScore('min'), 'min')).toBe(false);
    expect(isImprovement(1e9, worstScore('min'), 'min')).toBe(true);
    expect(isImprovement(-1e9, worstScore('max'), 'max')).toBe(true);
    expect(isImprovement(0.1, NaN, 'max')).toBe(true);
  });

  it('names the missing key and the logged ones, sorted', () => {
    expect(describeMissing('val/f1', ['val/loss', 'lr'])).toBe("monitored metric 'val/f1' was not logged; logged metrics: lr, val/loss");
    expect(describeMissing('x', [])).toContain('(none)');
  });
});
