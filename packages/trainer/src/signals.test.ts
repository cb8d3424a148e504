import { describe, expect, it } from 'vitest';
import { agreedSignal, stopFlags } from './signals';

describe('stop agreement across ranks', () => {
  it('a signal on any rank survives the sum and the mean of the flags; SIGTERM wins', () => {
    const ranks = [undefined, 'SIGINT', undefined, 'SIGTERM'] as const;
    const sum = ranks.map(stopFlags).reduce((a, b) => [a[0] + b[0], a[1] + b[1]]);
    expect(agreedSignal(sum)).toBe('SIGTERM');
    expect(agreedSignal(sum.map((v) => v / ranks.length))).toBe('SIGTERM');
    expect(agreedSignal([1 / 8, 0])).toBe('SIGINT');
    expect(agreedSignal(stopFlags(undefined))).toBeUndefined();
    expect(agreedSignal(Float32Array.of(0, 0))).toBeUndefined();
  });
});
