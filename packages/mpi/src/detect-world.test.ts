import { describe, expect, it } from 'vitest';
import { detectMpiWorld, suggestedCudaVisibleDevices } from './detect-world';

describe('detectMpiWorld', () => {
  it('is undefined outside an MPI launcher', () => {
    expect(detectMpiWorld({ PATH: '/bin' })).toBeUndefined();
  });
  it("reads OpenMPI's mpirun variables", () => {
    expect(
      detectMpiWorld({ OMPI_COMM_WORLD_RANK: '3', OMPI_COMM_WORLD_SIZE: '4', OMPI_COMM_WORLD_LOCAL_RANK: '1', OMPI_COMM_WORLD_LOCAL_SIZE: '2' }),
    ).toEqual({ launcher: 'openmpi', rank: 3, size: 4, localRank: 1, localSize: 2 });
  });
  it("reads MPICH/Hydra's PMI variables", () => {
    expect(detectMpiWorld({ PMI_RANK: '1', PMI_SIZE: '2', MPI_LOCALRANKID: '1', MPI_LOCALNRANKS: '2' })).toEqual({
      launcher: 'mpich', rank: 1, size: 2, localRank: 1, localSize: 2,
    });
  });
  it("reads srun's Slurm variables, but not a batch script's", () => {
    const srun = { SLURM_PROCID: '5', SLURM_NTASKS: '8', SLURM_LOCALID: '1', SLURM_STEP_ID: '0' };
    expect(detectMpiWorld(srun)).toEqual({ launcher: 'slurm', rank: 5, size: 8, localRank: 1 });
    const { SLURM_STEP_ID: _, ...batch } = srun;
    expect(detectMpiWorld(batch)).toBeUndefined();
  });
  it('prefers mpirun inside a Slurm allocation', () => {
    const env = { SLURM_PROCID: '0', SLURM_NTASKS: '8', SLURM_STEP_ID: '0', OMPI_COMM_WORLD_RANK: '6', OMPI_COMM_WORLD_SIZE: '8' };
    expect(detectMpiWorld(env)).toMatchObject({ launcher: 'openmpi', rank: 6, size: 8, localRank: 0 });
  });
  it('names the variable that is malformed or inconsistent', () => {
    expect(() => detectMpiWorld({ OMPI_COMM_WORLD_RANK: 'x', OMPI_COMM_WORLD_SIZE: '2' })).toThrow(/OMPI_COMM_WORLD_RANK="x"/);
    expect(() => detectMpiWorld({ OMPI_COMM_WORLD_RANK: '2', OMPI_COMM_WORLD_SIZE: '2' })).toThrow(/outside 0\.\.1/);
    expect(() => detectMpiWorld({ PMI_RANK: '0', PMI_SIZE: '0' })).toThrow(/PMI_SIZE/);
    expect(() =>
      detectMpiWorld({ OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '2', OMPI_COMM_WORLD_LOCAL_RANK: '2', OMPI_COMM_WORLD_LOCAL_SIZE: '2' }),
    ).toThrow(/OMPI_COMM_WORLD_LOCAL_RANK=2/);
  });
});

describe('suggestedCudaVisibleDevices', () => {
  it('is the local rank when nothing narrows the devices', () => {
    expect(suggestedCudaVisibleDevices(2, {})).toBe('2');
  });
  it('picks the local rank-th of the visible devices, round-robin when there are fewer', () => {
    expect(suggestedCudaVisibleDevices(1, { CUDA_VISIBLE_DEVICES: '4,6' })).toBe('6');
    expect(suggestedCudaVisibleDevices(3, { CUDA_VISIBLE_DEVICES: '7' })).toBe('7');
  });
  it('rejects a negative local rank', () => {
    expect(() => suggestedCudaVisibleDevices(-1, {})).toThrow(RangeError);
  });
});
