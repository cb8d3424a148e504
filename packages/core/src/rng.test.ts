import { afterEach, describe, expect, it } from 'vitest';
import { globalRandom, hashSeed, restoreMathRandom, Rng, seedEverything } from './rng';

afterEach(() => restoreMathRandom());

const draw = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.nextUint32());

describe('Rng', () => {
  it('is deterministic per seed and stream, and streams differ', () => {
    expect(draw(new Rng(42), 5)).toEqual(draw(new Rng(42), 5));
    expect(draw(new Rng(42, 'shuffle', 3), 5)).toEqual(draw(new Rng(42, 'shuffle', 3), 5));
    expect(draw(new Rng(42), 5)).not.toEqual(draw(new Rng(43), 5));
    expect(draw(new Rng(42, 'shuffle', 3), 5)).not.toEqual(draw(new Rng(42, 'shuffle', 4), 5));
    expect(draw(new Rng(42, 'a'), 5)).not.toEqual(draw(new Rng(42, 'b'), 5));
  });

  it('state round trip continues the same sequence', () => {
    const a = new Rng(7, 'x');
    draw(a, 10);
    const state = a.getState();
    const expected = draw(a, 20);
    const b = new Rng(999);
    b.setState(state);
    expect(draw(b, 20)).toEqual(expected);
    state[0] = 0; // getState returns a copy
    a.setState(b.getState());
    expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('state is JSON-serialisable', () => {
    const a = new Rng(1);
    const restored = new Rng(2);
    restored.setState(JSON.parse(JSON.stringify(a.getState())));
    expect(draw(restored, 3)).toEqual(draw(a, 3));
  });

  it('uniform draws have the right range, mean and spread', () => {
    const rng = new Rng(123);
    const xs = Array.from({ length: 20000 }, () => rng.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01); // sd of the mean ≈ 0.002
    const buckets = new Array(10).fill(0);
    for (const x of xs) buckets[Math.floor(x * 10)]++;
    for (const b of buckets) expect(Math.abs(b - 2000)).toBeLessThan(200);
    const u = Array.from({ length: 1000 }, () => rng.uniform(-2, 3));
    expect(u.every((x) => x >= -2 && x < 3)).toBe(true);
  });

  it('normal draws have the requested mean and std', () => {
    const rng = new Rng(5);
    const xs = Array.from({ length: 20000 }, () => rng.normal(2, 3));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean - 2)).toBeLessThan(0.1);
    expect(Math.abs(sd - 3)).toBeLessThan(0.1);
    expect(xs.every(Number.isFinite)).toBe(true);
  });

  it('int, bernoulli, shuffle and permutation', () => {
    const rng = new Rng(9);
    const ints = Array.from({ length: 5000 }, () => rng.int(6));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    const hits = Array.from({ length: 10000 }, () => rng.bernoulli(0.3)).filter(Boolean).length;
    expect(Math.abs(hits - 3000)).toBeLessThan(200);
    expect(rng.bernoulli(0)).toBe(false);
    const perm = rng.permutation(50);
    expect([...perm].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(perm).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const items = ['a', 'b', 'c', 'd'];
    expect(rng.shuffle(items)).toBe(items);
    expect([...items].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(new Rng(3).permutation(10)).toEqual(new Rng(3).permutation(10));
  });

  it('hashSeed is stable and order-sensitive', () => {
    expect(hashSeed(42, 'a')).toBe(hashSeed(42, 'a'));
    expect(hashSeed(42, 'a')).not.toBe(hashSeed('a', 42));
    expect(hashSeed(1, 23)).not.toBe(hashSeed(12, 3));
    expect(Number.isInteger(hashSeed('x')) && hashSeed('x') >= 0 && hashSeed('x') < 2 ** 32).toBe(true);
  });
});

describe('seedEverything', () => {
  it('makes Math.random reproducible and restorable', () => {
    const native = Math.random;
    seedEverything(42);
    const a = [Math.random(), Math.random(), Math.random()];
    seedEverything(42);
    const b = [Math.random(), Math.random(), Math.random()];
    expect(a).toEqual(b);
    seedEverything(43);
    expect(Math.random()).not.toBe(a[0]);
    expect(globalRandom()).toBeInstanceOf(Rng);
    restoreMathRandom();
    expect(Math.random).toBe(native);
    expect(() => globalRandom()).toThrow(/seedEverything/);
  });

  it('Math.random draws the global stream', () => {
    const rng = seedEverything(8);
    const expected = new Rng(8, 'global');
    expect(Math.random()).toBe(expected.next());
    expect(rng.next()).toBe(expected.next());
  });
});
