import type { Rng } from '@kiln/core';

/** The classes of the built-in dataset, in id order (sorted, so inference gives the same list). */
export const SHAPE_CLASSES = ['circle', 'cross', 'ring', 'square', 'star', 'triangle'] as const;
export type ShapeClass = (typeof SHAPE_CLASSES)[number];

const STAR_SECTOR = (2 * Math.PI) / 5;
const STAR_INNER = 0.4;
const STAR_BX = STAR_INNER * Math.cos(STAR_SECTOR / 2);
const STAR_BY = STAR_INNER * Math.sin(STAR_SECTOR / 2);
// Outward normals of an equilateral triangle with circumradius 1 (inradius 0.5); v grows downwards, so the apex points down.
const TRI_NORMALS = [90, 210, 330].map((d) => [Math.cos((d * Math.PI) / 180), -Math.sin((d * Math.PI) / 180)]);

/** Whether (u, v) — in the shape's frame, radius 1 — is inside the unit shape. */
export function insideShape(kind: ShapeClass, u: number, v: number): boolean {
  switch (kind) {
    case 'circle':
      return u * u + v * v <= 1;
    case 'ring': {
      const r2 = u * u + v * v;
      return r2 <= 1 && r2 >= 0.3;
    }
    case 'square':
      return Math.abs(u) <= 0.75 && Math.abs(v) <= 0.75;
    case 'cross': {
      const au = Math.abs(u);
      const av = Math.abs(v);
      return (au <= 0.24 && av <= 0.95) || (au <= 0.95 && av <= 0.24);
    }
    case 'triangle':
      return TRI_NORMALS.every(([nx, ny]) => u * nx + v * ny <= 0.5);
    case 'star': {
      const rho = Math.hypot(u, v);
      if (rho > 1) return false;
      // Fold the angle into the half-sector between an outer tip (angle 0) and an inner corner.
      let phi = Math.atan2(v, u) + Math.PI / 2; // a tip points up
      phi = ((phi % STAR_SECTOR) + STAR_SECTOR) % STAR_SECTOR;
      if (phi > STAR_SECTOR / 2) phi = STAR_SECTOR - phi;
      const px = rho * Math.cos(phi);
      const py = rho * Math.sin(phi);
      // Inside when on the origin's side of the edge tip (1, 0) → inner corner (bx, by).
      return (STAR_BX - 1) * py - STAR_BY * (px - 1) >= 0;
    }
  }
}

function colour(rng: Rng): [number, number, number] {
  return [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
}

function luma(c: number[]): number {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}

const SUPERSAMPLE = 3;

/**
 * Renders one `size`×`size` RGB image: a shape of random colour, diameter 16–28 px,
 * position and rotation on a noisy gradient background of a clearly different colour.
 * Everything is drawn from `rng`, so one (seed, index) always gives the same pixels.
 */
export function renderShape(kind: ShapeClass, rng: Rng, size = 32): Uint8Array {
  const fg = colour(rng);
  let bg = colour(rng);
  // Clear luminance contrast, so the shape reads in grayscale too (channels: 1).
  for (let i = 0; i < 50 && Math.abs(luma(fg) - luma(bg)) < 70; i++) bg = colour(rng);
  const bg2 = bg.map((c) => c + rng.uniform(-20, 20));
  const gradAngle = rng.uniform(0, 2 * Math.PI);
  const gx = Math.cos(gradAngle) / size;
  const gy = Math.sin(gradAngle) / size;
  const radius = rng.uniform(16, 28) / 2;
  const cx = rng.uniform(radius, size - radius);
  const cy = rng.uniform(radius, size - radius);
  const theta = rng.uniform(0, 2 * Math.PI);
  const cos = Math.cos(theta) / radius;
  const sin = Math.sin(theta) / radius;
  const noise = rng.uniform(3, 10);
  const gauss = gaussianStream(rng.nextUint32());
  const out = new Uint8Array(size * size * 3);
  const samples = SUPERSAMPLE * SUPERSAMPLE;
  const reach = (radius * 1.5 + 1) ** 2; // beyond this no shape covers the pixel (cross/square corners < 1.35 r)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let hits = 0;
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= reach) {
        for (let sy = 0; sy < SUPERSAMPLE; sy++) {
          const dy = y + (sy + 0.5) / SUPERSAMPLE - cy;
          for (let sx = 0; sx < SUPERSAMPLE; sx++) {
            const dx = x + (sx + 0.5) / SUPERSAMPLE - cx;
            if (insideShape(kind, dx * cos + dy * sin, -dx * sin + dy * cos)) hits++;
          }
        }
      }
      const alpha = hits / samples;
      const t = Math.min(1, Math.max(0, 0.5 + (x - size / 2) * gx + (y - size / 2) * gy));
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const back = bg[c] * (1 - t) + bg2[c] * t;
        const v = back * (1 - alpha) + fg[c] * alpha + noise * gauss();
        out[o + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return out;
}

/** Fast seeded standard-normal stream (mulberry32 + Box–Muller, both outputs used) for pixel noise. */
function gaussianStream(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const v = spare;
      spare = undefined;
      return v;
    }
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const a = 2 * Math.PI * uniform();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
}
