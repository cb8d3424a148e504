import { UsageError } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { parseQuantizeFlags } from './int8-options';

describe('parseQuantizeFlags', () => {
  it('takes int8 with its calibration batches and range', () => {
    expect(parseQuantizeFlags('test', undefined, undefined, false)).toBeUndefined();
    expect(parseQuantizeFlags('test', 'int8', undefined, false)).toEqual({ mode: 'int8' });
    expect(parseQuantizeFlags('predict', 'int8', '4', true)).toEqual({ mode: 'int8', calibrationBatches: 4, fullRange: true });
  });

  it('names a bad value', () => {
    expect(() => parseQuantizeFlags('test', 'int4', undefined, false)).toThrow(UsageError);
    expect(() => parseQuantizeFlags('test', 'int4', undefined, false)).toThrow("test: unknown --quantize 'int4' (modes: int8)");
    expect(() => parseQuantizeFlags('validate', 'int8', '0', false)).toThrow(/--calibration must be a positive number of batches \(got '0'\)/);
    expect(() => parseQuantizeFlags('predict', undefined, '8', false)).toThrow(/go with --quantize=int8/);
  });
});
