import { describe, expect, it } from 'vitest';
import { constant, pixel, ramp, sameImage } from './__fixtures__/images';
import { rotationInverse, shearXInverse, shearYInverse, translationInverse, warpAffine } from './affine';

const noFill = (c: number, v = 0) => new Float32Array(c).fill(v);

describe('warpAffine', () => {
  it('rotating a square 90° counter-clockwise moves the top-right corner to the top-left', () => {
    const img = ramp(4, 4, 3);
    const out = warpAffine(img, rotationInverse(4, 4, 90), noFill(3));
    // CCW by 90°: output (y, x) comes from input row x, column 3 − y.
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expect(pixel(out, y, x)).toEqual(pixel(img, x, 3 - y));
  });

  it('-90° undoes +90° and 180° flips both axes (odd size too)', () => {
    const img = ramp(5, 5, 1);
    const back = warpAffine(warpAffine(img, rotationInverse(5, 5, 90), noFill(1)), rotationInverse(5, 5, -90), noFill(1));
    expect(sameImage(back, img)).toBe(true);
    const half = warpAffine(img, rotationInverse(5, 5, 180), noFill(1));
    for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) expect(pixel(half, y, x)).toEqual(pixel(img, 4 - y, 4 - x));
  });

  it('45° on a constant image keeps the centre and fills the corners', () => {
    const out = warpAffine(constant(9, 9, 3, 0.5), rotationInverse(9, 9, 45), noFill(3, 1));
    expect(pixel(out, 4, 4)).toEqual([0.5, 0.5, 0.5]);
    expect(pixel(out, 0, 0)).toEqual([1, 1, 1]);
    expect(pixel(out, 8, 8)).toEqual([1, 1, 1]);
  });

  it('translation by whole pixels shifts exactly and fills the gap', () => {
    const img = ramp(3, 4, 1);
    const out = warpAffine(img, translationInverse(1, -1), noFill(1, 0.25));
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) {
        const sy = y + 1;
        const sx = x - 1;
        const expected = sy < 3 && sx >= 0 ? pixel(img, sy, sx) : [0.25];
        expect(pixel(out, y, x)).toEqual(expected);
      }
    }
  });

  it('shear_x shifts rows in proportion to their distance from the centre row', () => {
    const img = ramp(5, 6, 1);
    const out = warpAffine(img, shearXInverse(5, 1), noFill(1));
    // Row y moves right by (y − 2) pixels.
    for (let y = 0; y < 5; y++) {
      for (let x = 0; x < 6; x++) {
        const sx = x - (y - 2);
        expect(pixel(out, y, x)).toEqual(sx >= 0 && sx < 6 ? pixel(img, y, sx) : [0]);
      }
    }
  });

  it('shear_y shifts columns in proportion to their distance from the centre column', () => {
    const img = ramp(6, 5, 1);
    const out = warpAffine(img, shearYInverse(5, -1), noFill(1));
    for (let y = 0; y < 6; y++) {
      for (let x = 0; x < 5; x++) {
        const sy = y + (x - 2);
        expect(pixel(out, y, x)).toEqual(sy >= 0 && sy < 6 ? pixel(img, sy, x) : [0]);
      }
    }
  });
});
