import { KilnError } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { isOutOfMemoryError, OutOfMemoryError, outOfMemorySource, toOutOfMemoryError } from './out-of-memory';

function named(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

// Messages as the backends produce them (tfjs-node, WebGL, Emscripten wasm, V8, the native addon).
const samples: Array<[string, unknown, string]> = [
  ['tfjs-node ResourceExhaustedError', named('ResourceExhaustedError', 'Invalid TF_Status: 8'), 'tensorflow'],
  ['TF OOM when allocating', new Error('OOM when allocating tensor with shape[256,64,112,112] and type float on /job:localhost/replica:0/task:0/device:GPU:0 by allocator GPU_0_bfc'), 'tensorflow'],
  ['CUDA out of memory', new Error('failed to alloc 2147483648 bytes on host: CUDA_ERROR_OUT_OF_MEMORY: out of memory'), 'tensorflow'],
  ['WebGL failed to allocate', new Error('Failed to allocate texture: out of GPU memory'), 'webgl'],
  ['WebGL context lost', new Error('WebGL context lost.'), 'webgl'],
  ['wasm out of memory', new Error('Aborted(Out of memory). Build with -sASSERTIONS for more info.'), 'wasm'],
  ['wasm cannot enlarge', new Error('Cannot enlarge memory arrays to size 2147549184 bytes (OOM).'), 'wasm'],
  ['wasm memory grow', new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded'), 'wasm'],
  ['JS array buffer', new RangeError('Array buffer allocation failed'), 'js'],
  ['JS typed array length', new RangeError('Invalid typed array length: 4294967296'), 'js'],
  ['native out of memory', new Error('native Conv2D: out of memory allocating workspace'), 'native'],
  ['native bad_alloc', new Error('std::bad_alloc'), 'native'],
  ['plain string', 'OOM when allocating tensor', 'tensorflow'],
];

describe('isOutOfMemoryError', () => {
  it.each(samples)('recognises %s', (_label, error, source) => {
    expect(isOutOfMemoryError(error)).toBe(true);
    expect(outOfMemorySource(error)).toBe(source);
  });

  it.each([
    new Error('Error when checking input: expected conv2d_input to have 4 dimensions'),
    new RangeError('Maximum call stack size exceeded'),
    new Error('ENOENT: no such file or directory'),
    undefined,
    null,
    42,
  ])('does not flag %s', (error) => {
    expect(isOutOfMemoryError(error)).toBe(false);
  });

  it('looks through error causes', () => {
    const wrapped = new Error('training step 12 failed', { cause: new RangeError('Array buffer allocation failed') });
    expect(outOfMemorySource(wrapped)).toBe('js');
  });
});

describe('toOutOfMemoryError', () => {
  it('wraps OOM failures as one typed KilnError keeping the cause', () => {
    const original = named('ResourceExhaustedError', 'OOM when allocating tensor');
    const wrapped = toOutOfMemoryError(original, 'forward pass') as OutOfMemoryError;
    expect(wrapped).toBeInstanceOf(OutOfMemoryError);
    expect(wrapped).toBeInstanceOf(KilnError);
    expect(wrapped.source).toBe('tensorflow');
    expect(wrapped.cause).toBe(original);
    expect(wrapped.message).toMatch(/out of memory during forward pass \(tensorflow backend\)/);
    expect(toOutOfMemoryError(wrapped)).toBe(wrapped);
  });

  it('returns other errors unchanged', () => {
    const other = new Error('shape mismatch');
    expect(toOutOfMemoryError(other)).toBe(other);
  });
});
