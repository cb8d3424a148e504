// Every native entry point checks its arguments before touching MPI (no MPI_Init here).
import { describe, expect, it } from 'vitest';
import { mpiSkipReason } from '../test/mpirun';
import { loadAddon } from './load-addon';

// Skipped without MPI; under CI with mpirun installed a missing addon throws here (fails).
const skip = mpiSkipReason();
const addon = loadAddon();

describe.skipIf(!!skip)(`native argument checks${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const a = addon as NonNullable<typeof addon>;
  const f = new Float32Array(4);

  it('rejects wrong argument counts with a TypeError', () => {
    expect(() => (a.allreduce as unknown as () => void)()).toThrow(/takes 3 argument\(s\), got 0/);
    expect(() => (a.broadcast as unknown as (x: unknown) => void)([f])).toThrow(TypeError);
    expect(() => (a.allgather as unknown as () => void)()).toThrow(TypeError);
    expect(() => (a.barrier as unknown as (x: number) => void)(1)).toThrow(/barrier\(\) takes 0/);
    expect(() => (a.init as unknown as (x: number) => void)(1)).toThrow(TypeError);
    expect(() => (a.abort as unknown as (x: number) => void)(1)).toThrow(TypeError);
  });

  it('rejects wrong types, naming the argument', () => {
    expect(() => a.allreduce('x' as never, null, false)).toThrow(/arrays must be an Array/);
    expect(() => a.allreduce([f, new Float64Array(2) as never], null, false)).toThrow(/arrays\[1\] is not a Float32Array/);
    expect(() => a.allreduce([f, [1, 2] as never], null, false)).toThrow(/arrays\[1\] is not a typed array/);
    expect(() => a.allreduce([f], null, 1 as never)).toThrow(/mean must be a boolean/);
    expect(() => a.allreduce([f], new Int32Array(8) as never, false)).toThrow(/scratch is not a Float32Array/);
    expect(() => a.allgather('abc' as never)).toThrow(/bytes is not a typed array/);
    expect(() => a.abort(1, 2 as never)).toThrow(/message must be a string/);
  });

  it('rejects sizes and ranges that do not fit with a RangeError', () => {
    expect(() => a.allreduce([f, f.subarray(0, 2)], new Float32Array(5), false)).toThrow(RangeError);
    expect(() => a.allreduce([f, f], new Float32Array(5), false)).toThrow(/scratch holds 20 bytes but the arrays need 32/);
    const big = new Float32Array(16);
    expect(() => a.allreduce([big.subarray(0, 4), big.subarray(2, 6)], null, false)).toThrow(/share memory/);
    expect(() => a.allreduce([big.subarray(0, 4)], big.subarray(4, 12), false)).not.toThrow(RangeError);
    expect(() => a.allreduce([big.subarray(0, 4)], big, false)).toThrow(/share memory/);
    expect(() => a.abort(0, 'x')).toThrow(/code must be an integer in 1\.\.255/);
    expect(() => a.abort(1.5, 'x')).toThrow(RangeError);
  });

  it('refuses collectives before init() with a clear error', () => {
    expect(() => a.allreduce([f], null, true)).toThrow(/MPI is not initialised/);
    expect(() => a.barrier()).toThrow(/MPI is not initialised/);
    expect(a.state()).toMatchObject({ initialized: false, finalized: false, pending: 0 });
    expect(a.state().library.length).toBeGreaterThan(0);
  });
});
