import { describe, expect, it } from 'vitest';
import { QuantizeError } from './errors';
import { int8InputParams, weightQmax } from './quant-math';
import { samePadding } from './specs';

describe('int8 input and weight parameters', () => {
  it('u8 for never-negative inputs, else s8 symmetric on the larger side', () => {
    expect(int8InputParams({ min: 0, max: 5.1 })).toEqual({ type: 'u8', scale: 5.1 / 255 });
    expect(int8InputParams({ min: -2, max: 1 })).toEqual({ type: 's8', scale: 2 / 127 });
    expect(int8InputParams({ min: 0, max: 0 })).toEqual({ type: 'u8', scale: 1 });
    expect(() => int8InputParams({ min: -Infinity, max: 1 })).toThrow(QuantizeError);
    expect([weightQmax(true), weightQmax(false)]).toEqual([63, 127]);
  });

  it("pads like tfjs 'same' (odd pixel at the bottom/right)", () => {
    expect(samePadding(8, 3, 1, 1)).toEqual([1, 1]);
    expect(samePadding(8, 3, 2, 1)).toEqual([0, 1]);
    expect(samePadding(7, 3, 2, 1)).toEqual([1, 1]);
    expect(samePadding(8, 1, 2, 1)).toEqual([0, 0]);
    expect(samePadding(8, 3, 1, 2)).toEqual([2, 2]);
  });
});
