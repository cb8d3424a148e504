import { describe, expect, it } from 'vitest';
import { fromRows, ramp, sameImage } from './__fixtures__/images';
import { autocontrast, equalize, posterize, solarize } from './tone';

describe('tone ops', () => {
  it('posterize keeps the top bits of the 8-bit level', () => {
    const img = fromRows([[[0], [100 / 255], [200 / 255], [1]]]);
    expect(Array.from(posterize(img, 1).data)).toEqual(Array.from(Float32Array.from([0, 0, 128 / 255, 128 / 255])));
    expect(Array.from(posterize(img, 4).data)).toEqual(Array.from(Float32Array.from([0, 96 / 255, 192 / 255, 240 / 255])));
    expect(Array.from(posterize(img, 8).data)).toEqual(Array.from(img.data));
  });

  it('solarize inverts values at or above the threshold', () => {
    const img = fromRows([[[0.2], [0.4], [0.5], [0.9]]]);
    const out = solarize(img, 0.5);
    [0.2, 0.4, 0.5, 0.1].forEach((v, i) => expect(out.data[i]).toBeCloseTo(v, 6));
    expect(solarize(img, 0.3).data[1]).toBeCloseTo(0.6, 6);
  });

  it('autocontrast stretches each channel to [0, 1] and leaves flat channels alone', () => {
    const img = fromRows([[[0.2, 0.3], [0.6, 0.3]], [[0.4, 0.3], [0.3, 0.3]]]);
    const out = autocontrast(img);
    const ch0 = [0, 2, 4, 6].map((i) => out.data[i]);
    [0, 1, 0.5, 0.25].forEach((v, i) => expect(ch0[i]).toBeCloseTo(v, 6));
    for (const i of [1, 3, 5, 7]) expect(out.data[i]).toBeCloseTo(0.3, 6);
  });

  it('equalize follows PIL: levels 0..127 four times each map to min(255, 4·level)', () => {
    const data = new Float32Array(512);
    for (let i = 0; i < 512; i++) data[i] = (i % 128) / 255;
    const out = equalize({ data, height: 16, width: 32, channels: 1 });
    for (let i = 0; i < 128; i++) expect(out.data[i]).toBeCloseTo(Math.min(255, 4 * i) / 255, 6);
  });

  it('equalize leaves an image with too few pixels per level unchanged', () => {
    const img = ramp(4, 4, 3);
    expect(sameImage(equalize(img), img)).toBe(true);
  });
});
