import { describe, expect, it } from 'vitest';
import { fromRows } from './__fixtures__/images';
import { sampleBilinear } from './bilinear';

const img = fromRows([
  [[0.0, 1.0], [0.4, 0.5]],
  [[0.8, 0.0], [0.2, 0.25]],
]);
const fill = Float32Array.from([0.9, 0.1]);

function at(sx: number, sy: number, mode: 'clamp' | 'constant'): number[] {
  const out = new Float32Array(2);
  sampleBilinear(img, sx, sy, out, 0, mode, fill);
  return Array.from(out);
}

describe('sampleBilinear', () => {
  it('returns pixels exactly at integer coordinates', () => {
    expect(at(1, 0, 'constant')).toEqual(Array.from(Float32Array.from([0.4, 0.5])));
    expect(at(0, 1, 'clamp')).toEqual(Array.from(Float32Array.from([0.8, 0.0])));
  });

  it('interpolates between the four neighbours per channel', () => {
    const [a, b] = at(0.5, 0.5, 'constant');
    expect(a).toBeCloseTo((0 + 0.4 + 0.8 + 0.2) / 4, 6);
    expect(b).toBeCloseTo((1 + 0.5 + 0 + 0.25) / 4, 6);
    const [c] = at(0.25, 0, 'constant');
    expect(c).toBeCloseTo(0.75 * 0 + 0.25 * 0.4, 6);
  });

  it('constant mode blends the fill in at the border and fills far outside', () => {
    expect(at(-5, 0, 'constant')).toEqual(Array.from(fill));
    const [a] = at(-0.5, 0, 'constant');
    expect(a).toBeCloseTo(0.5 * 0.9 + 0.5 * 0.0, 6);
  });

  it('clamp mode repeats the edge pixel', () => {
    expect(at(-3, -3, 'clamp')).toEqual(at(0, 0, 'clamp'));
    expect(at(7, 0.0, 'clamp')).toEqual(at(1, 0, 'clamp'));
  });

  it('snaps coordinates within 1e-6 of an integer (no leak of the fill)', () => {
    expect(at(1 + 1e-9, -1e-9, 'constant')).toEqual(at(1, 0, 'constant'));
  });
});
