import { createImage, type Image } from './image';

// ITU-R 601 luma weights, as torchvision's rgb_to_grayscale and PIL's convert('L').
const LUMA_R = 0.299;
const LUMA_G = 0.587;
const LUMA_B = 0.114;

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

/** Per-pixel grayscale (luma for RGB, the mean of the channels otherwise), length height·width. */
export function grayscale(image: Image): Float32Array {
  const { data, height, width, channels } = image;
  const n = height * width;
  const gray = new Float32Array(n);
  if (channels === 3) {
    for (let i = 0, o = 0; i < n; i++, o += 3) gray[i] = LUMA_R * data[o] + LUMA_G * data[o + 1] + LUMA_B * data[o + 2];
  } else {
    for (let i = 0, o = 0; i < n; i++, o += channels) {
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += data[o + c];
      gray[i] = sum / channels;
    }
  }
  return gray;
}

/** `factor·image + (1 − factor)·other` clamped to [0, 1]; `other` is per pixel (length h·w) or one scalar. */
export function blend(image: Image, other: Float32Array | number, factor: number): Image {
  const { data, height, width, channels } = image;
  const out = createImage(height, width, channels);
  const n = height * width;
  for (let i = 0, o = 0; i < n; i++, o += channels) {
    const base = typeof other === 'number' ? other : other[i];
    for (let c = 0; c < channels; c++) out.data[o + c] = clamp01(base + factor * (data[o + c] - base));
  }
  return out;
}

/** Multiplies every value by `factor` (0 = black, 1 = unchanged). */
export function adjustBrightness(image: Image, factor: number): Image {
  return blend(image, 0, factor);
}

/** Blends with the mean grayscale level (0 = flat grey, 1 = unchanged). */
export function adjustContrast(image: Image, factor: number): Image {
  const gray = grayscale(image);
  let sum = 0;
  for (let i = 0; i < gray.length; i++) sum += gray[i];
  return blend(image, sum / gray.length, factor);
}

/** Blends with the per-pixel grayscale (0 = grayscale, 1 = unchanged). A 1-channel image is unchanged. */
export function adjustSaturation(image: Image, factor: number): Image {
  return blend(image, grayscale(image), factor);
}

/** Rotates the hue by `shift` turns (in [-0.5, 0.5]) in HSV space; only RGB images change. */
export function adjustHue(image: Image, shift: number): Image {
  const { data, height, width, channels } = image;
  const out = createImage(height, width, channels);
  if (channels !== 3) {
    out.data.set(data);
    return out;
  }
  const n = height * width;
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    const r = data[o];
    const g = data[o + 1];
    const b = data[o + 2];
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const delta = max - min;
    if (delta === 0) {
      out.data[o] = r;
      out.data[o + 1] = g;
      out.data[o + 2] = b;
      continue;
    }
    let h: number;
    if (max === r) h = ((g - b) / delta) / 6;
    else if (max === g) h = ((b - r) / delta + 2) / 6;
    else h = ((r - g) / delta + 4) / 6;
    h = (((h + shift) % 1) + 1) % 1;
    const s = delta / max;
    const [nr, ng, nb] = hsvToRgb(h, s, max);
    out.data[o] = nr;
    out.data[o + 1] = ng;
    out.data[o + 2] = nb;
  }
  return out;
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const sector = h * 6;
  const i = Math.floor(sector) % 6;
  const f = sector - Math.floor(sector);
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  switch (i) {
    case 0: return [v, t, p];
    case 1: return [q, v, p];
    case 2: return [p, v, t];
    case 3: return [p, q, v];
    case 4: return [t, p, v];
    default: return [v, p, q];
  }
}
