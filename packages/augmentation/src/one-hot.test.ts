import { DataError } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { oneHot } from './one-hot';

describe('oneHot', () => {
  it('builds n×k rows with a single 1', () => {
    expect(Array.from(oneHot(Int32Array.from([2, 0]), 3))).toEqual([0, 0, 1, 1, 0, 0]);
  });
  it('names the bad index', () => {
    expect(() => oneHot([0, 3], 3)).toThrow(DataError);
    expect(() => oneHot([0, 3], 3)).toThrow(/label 3 at index 1/);
    expect(() => oneHot([-1], 3)).toThrow(/index 0/);
  });
});
