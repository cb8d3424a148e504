import { describe, expect, it } from 'vitest';
import { ConfigError } from '@kiln/core';
import { bucketBytesOf, joinMpiWorld } from './mpi-world';
import { parallelChoiceOf } from './mpi-launch';

describe('engine.bucketMB', () => {
  it('is MiB → bytes (a multiple of 4), absent → the package default', () => {
    expect(bucketBytesOf({})).toBeUndefined();
    expect(bucketBytesOf({ engine: { bucketMB: null } })).toBeUndefined();
    expect(bucketBytesOf({ engine: { bucketMB: 64 } })).toBe(64 * 2 ** 20);
    expect(bucketBytesOf({ engine: { bucketMB: 0.001 } })).toBe(1048);
    expect(bucketBytesOf({ engine: { bucketMB: 1e-9 } })).toBe(4);
  });

  it('rejects non-positive or non-numeric values, naming the key', () => {
    for (const bad of [0, -1, 'big', Number.NaN]) {
      expect(() => bucketBytesOf({ engine: { bucketMB: bad } })).toThrow(ConfigError);
      expect(() => bucketBytesOf({ engine: { bucketMB: bad } })).toThrow(/engine\.bucketMB/);
    }
  });
});

describe('engine.parallel', () => {
  it('defaults to auto and accepts mpi | ipc', () => {
    expect(parallelChoiceOf({})).toBe('auto');
    expect(parallelChoiceOf({ engine: { parallel: 'mpi' } })).toBe('mpi');
    expect(parallelChoiceOf({ engine: { parallel: 'ipc' } })).toBe('ipc');
  });

  it('names the key and suggests the closest choice', () => {
    expect(() => parallelChoiceOf({ engine: { parallel: 'mpii' } })).toThrow(/engine\.parallel=mpii is not one of auto \| mpi \| ipc.*mpi/);
  });
});

describe('joinMpiWorld', () => {
  it('is undefined outside a launcher and in a world of one (nothing started, no addon needed)', () => {
    expect(joinMpiWorld({}, {})).toBeUndefined();
    expect(joinMpiWorld({}, { OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '1' })).toBeUndefined();
    // A Slurm batch script (no SLURM_STEP_ID) is not rank 0 of N.
    expect(joinMpiWorld({}, { SLURM_PROCID: '0', SLURM_NTASKS: '4' })).toBeUndefined();
  });

  it('a malformed launcher variable is an error naming it', () => {
    expect(() => joinMpiWorld({}, { OMPI_COMM_WORLD_RANK: 'x', OMPI_COMM_WORLD_SIZE: '2' })).toThrow(/OMPI_COMM_WORLD_RANK/);
  });
});
