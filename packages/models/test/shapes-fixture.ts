/**
 * A tiny synthetic "shapes" dataset (6 classes) drawn in plain JS, so the training test
 * needs no files: filled circle, filled square, triangle, plus (cross), horizontal bar,
 * ring. Random position, size, colour and background noise from a seeded generator.
 */
export const SHAPE_CLASSES = ['circle', 'square', 'triangle', 'cross', 'bar', 'ring'] as const;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function inside(cls: number, dx: number, dy: number, r: number): boolean {
  switch (cls) {
    case 0:
      return dx * dx + dy * dy <= r * r;
    case 1:
      return Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85;
    case 2:
      return dy <= r * 0.8 && dy >= -r && Math.abs(dx) <= ((dy + r) / 1.8) * 1.0;
    case 3:
      return (Math.abs(dx) <= r * 0.3 && Math.abs(dy) <= r) || (Math.abs(dy) <= r * 0.3 && Math.abs(dx) <= r);
    case 4:
      return Math.abs(dy) <= r * 0.3 && Math.abs(dx) <= r;
    default: {
      const d2 = dx * dx + dy * dy;
      return d2 <= r * r && d2 >= (r * 0.55) ** 2;
    }
  }
}

export function makeShapes(count: number, size = 32, seed = 1): { images: Float32Array; labels: Int32Array } {
  const rand = mulberry32(seed);
  const images = new Float32Array(count * size * size * 3);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const cls = n % SHAPE_CLASSES.length;
    labels[n] = cls;
    const r = size * (0.2 + rand() * 0.12);
    const cx = r + rand() * (size - 2 * r);
    const cy = r + rand() * (size - 2 * r);
    const colour = [0.5 + rand() * 0.5, rand(), rand()];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const on = inside(cls, x + 0.5 - cx, y + 0.5 - cy, r);
        for (let c = 0; c < 3; c++) {
          const noise = (rand() - 0.5) * 0.2;
          images[((n * size + y) * size + x) * 3 + c] = (on ? colour[c] : 0.1) + noise;
        }
      }
    }
  }
  return { images, labels };
}
