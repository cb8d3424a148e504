import { describe, expect, it } from 'vitest';
import { fromRows, pixel, ramp, sameImage } from './__fixtures__/images';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, grayscale } from './color-adjust';

const rgb = fromRows([
  [[1, 0, 0], [0.2, 0.4, 0.6]],
  [[0.5, 0.5, 0.5], [0, 0, 1]],
]);

describe('colour adjustments', () => {
  it('grayscale uses ITU-R 601 luma for RGB and passes 1-channel through', () => {
    const g = grayscale(rgb);
    expect(g[0]).toBeCloseTo(0.299, 6);
    expect(g[1]).toBeCloseTo(0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6, 6);
    const gray = ramp(2, 2, 1);
    expect(Array.from(grayscale(gray))).toEqual(Array.from(gray.data));
  });

  it('brightness multiplies and clamps at 1', () => {
    const half = adjustBrightness(rgb, 0.5);
    Array.from(half.data).forEach((v, i) => expect(v).toBeCloseTo(rgb.data[i] * 0.5, 6));
    const double = adjustBrightness(rgb, 2);
    expect(pixel(double, 0, 1).map((v) => +v.toFixed(5))).toEqual([0.4, 0.8, 1]);
  });

  it('contrast 0 gives the mean grey everywhere; 1 is the identity', () => {
    const g = grayscale(rgb);
    const mean = g.reduce((a, b) => a + b, 0) / g.length;
    for (const v of adjustContrast(rgb, 0).data) expect(v).toBeCloseTo(mean, 6);
    expect(sameImage(adjustContrast(rgb, 1), rgb)).toBe(true);
  });

  it('saturation 0 makes every channel the pixel luma; 1-channel images are unchanged', () => {
    const out = adjustSaturation(rgb, 0);
    const g = grayscale(rgb);
    for (let i = 0; i < 4; i++) for (let c = 0; c < 3; c++) expect(out.data[i * 3 + c]).toBeCloseTo(g[i], 6);
    const gray = ramp(3, 3, 1);
    expect(sameImage(adjustSaturation(gray, 0), gray)).toBe(true);
  });

  it('hue shift of 1/3 turns red into green and blue into red; greys stay', () => {
    const out = adjustHue(rgb, 1 / 3);
    pixel(out, 0, 0).forEach((v, c) => expect(v).toBeCloseTo([0, 1, 0][c], 5));
    pixel(out, 1, 1).forEach((v, c) => expect(v).toBeCloseTo([1, 0, 0][c], 5));
    expect(pixel(out, 1, 0)).toEqual([0.5, 0.5, 0.5]);
    const back = adjustHue(adjustHue(rgb, 0.2), -0.2);
    Array.from(back.data).forEach((v, i) => expect(v).toBeCloseTo(rgb.data[i], 5));
    const gray = ramp(2, 2, 1);
    expect(sameImage(adjustHue(gray, 0.3), gray)).toBe(true);
  });
});
