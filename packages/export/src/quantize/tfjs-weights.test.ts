import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { quantizeTfjsWeights, toFloat16Bits, uint8Params } from './tfjs-weights';

describe('tfjs weight quantization', () => {
  it('float16 bits round to nearest even, with subnormals, overflow and zero', () => {
    expect([1, -2, 0.1, 65504, 1e6, 1e-8, 0, 2 ** -24, 1 + 2 ** -11].map(toFloat16Bits)).toEqual([0x3c00, 0xc000, 0x2e66, 0x7bff, 0x7c00, 0, 0, 1, 0x3c00]);
  });

  it('uint8: zero is exact, and tfjs decodes what we encode (|error| ≤ scale/2)', () => {
    const data = Float32Array.from([-0.3, 0, 0.05, 0.7, 0.12345]);
    const { min, scale } = uint8Params(data);
    expect(Math.round(-min / scale) * scale + min).toBeCloseTo(0, 12);
    const specs: tf.io.WeightsManifestEntry[] = [{ name: 'w', shape: [5], dtype: 'float32' }, { name: 'i', shape: [2], dtype: 'int32' }];
    const bytes = new Uint8Array(28);
    new Float32Array(bytes.buffer, 0, 5).set(data);
    new Int32Array(bytes.buffer, 20, 2).set([7, -9]);
    for (const mode of ['uint8', 'float16'] as const) {
      const q = quantizeTfjsWeights(specs, bytes, mode);
      expect(q.data.byteLength).toBe(5 * (mode === 'uint8' ? 1 : 2) + 8);
      const decoded = tf.io.decodeWeights(q.data.slice().buffer, q.specs);
      const w = decoded.w.dataSync();
      for (let i = 0; i < 5; i++) expect(Math.abs(w[i] - data[i])).toBeLessThanOrEqual(mode === 'uint8' ? scale / 2 + 1e-7 : 1e-3);
      expect(w[1]).toBe(0);
      expect(Array.from(decoded.i.dataSync())).toEqual([7, -9]);
    }
  });
});
