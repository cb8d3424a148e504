import { describe, expect, it } from 'vitest';
import { cloneConfig, deepMerge, isPlainObject } from './merge';

describe('deepMerge', () => {
  it('merges maps recursively, replaces lists and scalars', () => {
    const base = { a: { x: 1, y: [1, 2, 3] }, b: 1, keep: true };
    const over = { a: { y: [9], z: 2 }, b: { now: 'map' } };
    expect(deepMerge(base, over)).toEqual({ a: { x: 1, y: [9], z: 2 }, b: { now: 'map' }, keep: true });
  });

  it('does not modify or alias its inputs', () => {
    const base = { a: { list: [1] } };
    const over = { b: { list: [2] } };
    const out = deepMerge(base, over) as { a: { list: number[] }; b: { list: number[] } };
    out.a.list.push(5);
    out.b.list.push(5);
    expect(base).toEqual({ a: { list: [1] } });
    expect(over).toEqual({ b: { list: [2] } });
  });

  it('null replaces a map', () => {
    expect(deepMerge({ a: { x: 1 } }, { a: null })).toEqual({ a: null });
  });
});

describe('helpers', () => {
  it('isPlainObject accepts only maps', () => {
    expect([{}, Object.create(null), [], null, new Date(), 'x'].map(isPlainObject)).toEqual([true, true, false, false, false, false]);
  });
  it('cloneConfig copies deeply', () => {
    const v = { a: [{ b: 1 }] };
    const c = cloneConfig(v);
    c.a[0].b = 2;
    expect(v.a[0].b).toBe(1);
  });
});
