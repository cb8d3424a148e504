import { describe, expect, it } from 'vitest';
import { stratifiedSplit } from './split';

describe('stratifiedSplit', () => {
  it('takes the fraction from every class, deterministically per seed', () => {
    const labels = [...new Array(50).fill(0), ...new Array(10).fill(1), 2, 2];
    const a = stratifiedSplit(labels, 0.2, 1);
    expect(a.val.filter((i) => labels[i] === 0)).toHaveLength(10);
    expect(a.val.filter((i) => labels[i] === 1)).toHaveLength(2);
    expect(a.val.filter((i) => labels[i] === 2)).toHaveLength(1); // at least one of a class with two or more
    expect([...a.train, ...a.val].sort((x, y) => x - y)).toEqual(labels.map((_, i) => i));
    expect(stratifiedSplit(labels, 0.2, 1)).toEqual(a);
    expect(stratifiedSplit(labels, 0.2, 2).val).not.toEqual(a.val);
  });
});
