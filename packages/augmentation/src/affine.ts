import { sampleBilinear } from './bilinear';
import { createImage, type Image } from './image';

/**
 * Inverse affine map from output pixel to source pixel:
 * `sx = a·x + b·y + c`, `sy = d·x + e·y + f` (pixel-centre coordinates).
 */
export type InverseAffine = readonly [a: number, b: number, c: number, d: number, e: number, f: number];

/** Resamples `image` through an inverse affine map (bilinear); uncovered pixels get `fill` (one value per channel). */
export function warpAffine(image: Image, inverse: InverseAffine, fill: Float32Array): Image {
  const { height, width, channels } = image;
  const out = createImage(height, width, channels);
  const [a, b, c, d, e, f] = inverse;
  let o = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++, o += channels) {
      sampleBilinear(image, a * x + b * y + c, d * x + e * y + f, out.data, o, 'constant', fill);
    }
  }
  return out;
}

/**
 * Rotation by `degrees` about the image centre; positive = counter-clockwise as seen
 * on screen (torchvision's convention), so with y pointing down the source of output
 * (x, y) is the output offset rotated by +θ.
 */
export function rotationInverse(height: number, width: number, degrees: number): InverseAffine {
  const t = (degrees * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  return [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy];
}

/** Shift by (dx, dy) pixels: content moves right/down for positive values. */
export function translationInverse(dx: number, dy: number): InverseAffine {
  return [1, 0, -dx, 0, 1, -dy];
}

/** Horizontal shear about the centre row: a source pixel at (x, y) moves to (x + s·(y − cy), y). */
export function shearXInverse(height: number, shear: number): InverseAffine {
  const cy = (height - 1) / 2;
  return [1, -shear, shear * cy, 0, 1, 0];
}

/** Vertical shear about the centre column: a source pixel at (x, y) moves to (x, y + s·(x − cx)). */
export function shearYInverse(width: number, shear: number): InverseAffine {
  const cx = (width - 1) / 2;
  return [1, 0, 0, -shear, 1, shear * cx];
}
