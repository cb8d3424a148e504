import { UsageError } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { describeDevices, parseGpus, resolveDevices } from './gpus';

describe('parseGpus', () => {
  it('parses comma-separated ids in the given order', () => {
    expect(parseGpus('1,2')).toEqual([1, 2]);
    expect(parseGpus(' 3 , 0 ')).toEqual([3, 0]);
    expect(parseGpus('0')).toEqual([0]);
  });

  it.each([
    ['', /--gpus is empty/],
    ['1,,2', /part 2 is empty/],
    ['1,', /part 2 is empty/],
    ['a', /'a' is not a non-negative integer/],
    ['1,-1', /'-1' is not a non-negative integer/],
    ['1.5', /'1.5' is not/],
    ['2,1,2', /device 2 is listed twice/],
  ])('rejects %j with a UsageError naming the bad part', (text, message) => {
    expect(() => parseGpus(text)).toThrow(UsageError);
    expect(() => parseGpus(text)).toThrow(message);
  });
});

describe('resolveDevices', () => {
  it('defaults to one CPU worker', () => {
    expect(resolveDevices()).toEqual({ kind: 'cpu', ids: [0] });
  });
  it('maps --gpus to GPU ids and --workers / trainer.devices=N to CPU workers', () => {
    expect(resolveDevices({ gpus: '1,2' })).toEqual({ kind: 'gpu', ids: [1, 2] });
    expect(resolveDevices({ gpus: [4] })).toEqual({ kind: 'gpu', ids: [4] });
    expect(resolveDevices({ workers: 3 })).toEqual({ kind: 'cpu', ids: [0, 1, 2] });
    expect(resolveDevices({ devices: 2 })).toEqual({ kind: 'cpu', ids: [0, 1] });
    expect(resolveDevices({ devices: [0, 1] })).toEqual({ kind: 'gpu', ids: [0, 1] });
    expect(resolveDevices({ devices: '5' })).toEqual({ kind: 'gpu', ids: [5] });
  });
  it('rejects conflicting or malformed requests', () => {
    expect(() => resolveDevices({ gpus: '1', workers: 2 })).toThrow(/only one of --gpus, --workers/);
    expect(() => resolveDevices({ workers: 0 })).toThrow(/--workers=0: expected a positive whole number/);
    expect(() => resolveDevices({ devices: 1.5 })).toThrow(UsageError);
    expect(() => resolveDevices({ gpus: [] })).toThrow(/--gpus is empty/);
    expect(() => resolveDevices({ gpus: [1, 1] })).toThrow(/listed twice/);
    expect(() => resolveDevices({ gpus: [-2] })).toThrow(/not a non-negative integer/);
  });
  it('describes devices for the start-up line', () => {
    expect(describeDevices({ kind: 'cpu', ids: [0] })).toBe('cpu×1');
    expect(describeDevices({ kind: 'gpu', ids: [1, 2] })).toBe('gpu×2 [1,2]');
  });
});
