import type { Image } from './image';

/** How samples that fall outside the source image are treated. */
export type EdgeMode = 'clamp' | 'constant';

// Coordinates this close to an integer are snapped, so 90° rotations and unit-scale
// resizes reproduce pixels exactly instead of leaking 1e-16 of a neighbour or the fill.
const SNAP = 1e-6;

/**
 * Bilinear sample of `src` at pixel-centre coordinates (sx, sy) (pixel (0,0) has its
 * centre at 0,0), written to `out[outOffset..outOffset+channels)`. With `constant`,
 * neighbours outside the image contribute `fill`; with `clamp`, the edge pixel.
 */
export function sampleBilinear(
  src: Image,
  sx: number,
  sy: number,
  out: Float32Array,
  outOffset: number,
  mode: EdgeMode,
  fill: Float32Array,
): void {
  const { data, height, width, channels } = src;
  const rx = Math.round(sx);
  const ry = Math.round(sy);
  if (Math.abs(sx - rx) < SNAP) sx = rx;
  if (Math.abs(sy - ry) < SNAP) sy = ry;
  if (mode === 'clamp') {
    sx = Math.min(Math.max(sx, 0), width - 1);
    sy = Math.min(Math.max(sy, 0), height - 1);
  } else if (sx <= -1 || sy <= -1 || sx >= width || sy >= height) {
    for (let c = 0; c < channels; c++) out[outOffset + c] = fill[c];
    return;
  }
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  const fx = sx - x0;
  const fy = sy - y0;
  const x1 = x0 + 1;
  const y1 = y0 + 1;
  const w00 = (1 - fx) * (1 - fy);
  const w01 = fx * (1 - fy);
  const w10 = (1 - fx) * fy;
  const w11 = fx * fy;
  const in0 = y0 >= 0 && y0 < height;
  const in1 = y1 >= 0 && y1 < height;
  const inX0 = x0 >= 0 && x0 < width;
  const inX1 = x1 >= 0 && x1 < width;
  const i00 = in0 && inX0 ? (y0 * width + x0) * channels : -1;
  const i01 = in0 && inX1 ? (y0 * width + x1) * channels : -1;
  const i10 = in1 && inX0 ? (y1 * width + x0) * channels : -1;
  const i11 = in1 && inX1 ? (y1 * width + x1) * channels : -1;
  for (let c = 0; c < channels; c++) {
    // Zero-weight neighbours are skipped so an exact edge sample never reads past the image.
    let v = 0;
    if (w00 !== 0) v += w00 * (i00 >= 0 ? data[i00 + c] : fill[c]);
    if (w01 !== 0) v += w01 * (i01 >= 0 ? data[i01 + c] : fill[c]);
    if (w10 !== 0) v += w10 * (i10 >= 0 ? data[i10 + c] : fill[c]);
    if (w11 !== 0) v += w11 * (i11 >= 0 ? data[i11 + c] : fill[c]);
    out[outOffset + c] = v;
  }
}
