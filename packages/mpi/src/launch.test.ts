import { describe, expect, it } from 'vitest';
import { mpirunCommand } from './launch';

describe('mpirunCommand', () => {
  it('starts N copies of the command, unpinned, with the GPU list for the local ranks', () => {
    const c = mpirunCommand({ ranks: 2, command: ['node', 'main.js', 'train'], gpus: [1, 2], env: { A: 'x' } });
    expect(c.file).toBe('mpirun');
    expect(c.args).toEqual(['-np', '2', '--bind-to', 'none', 'node', 'main.js', 'train']);
    expect(c.env).toMatchObject({ A: 'x', CUDA_VISIBLE_DEVICES: '1,2' });
    if (process.getuid?.() === 0) expect(c.env.OMPI_ALLOW_RUN_AS_ROOT).toBe('1');
  });
  it('passes extra mpirun flags before the program', () => {
    expect(mpirunCommand({ ranks: 4, command: ['x'], mpirunArgs: ['-H', 'a:2,b:2'] }).args).toEqual(['-np', '4', '--bind-to', 'none', '-H', 'a:2,b:2', 'x']);
  });
  it('rejects a bad rank count, an empty command and a GPU list of another length', () => {
    expect(() => mpirunCommand({ ranks: 0, command: ['x'] })).toThrow(RangeError);
    expect(() => mpirunCommand({ ranks: 1, command: [] })).toThrow(TypeError);
    expect(() => mpirunCommand({ ranks: 2, command: ['x'], gpus: [0] })).toThrow(/1 GPU ids for 2 ranks/);
  });
});
