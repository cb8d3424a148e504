import { createImage, type Image } from './image';

/**
 * Tone operations from PIL's ImageOps used by RandAugment. Those defined on 8-bit
 * levels (posterize, equalize) quantise [0, 1] values to 0..255 first, like torchvision on uint8.
 */

function toLevel(v: number): number {
  return Math.min(255, Math.max(0, Math.round(v * 255)));
}

/** Keeps the top `bits` bits of each 8-bit level (bits in 1..8). */
export function posterize(image: Image, bits: number): Image {
  const out = createImage(image.height, image.width, image.channels);
  const mask = (0xff << (8 - bits)) & 0xff;
  for (let i = 0; i < image.data.length; i++) out.data[i] = (toLevel(image.data[i]) & mask) / 255;
  return out;
}

/** Inverts every value at or above `threshold` (in [0, 1]). */
export function solarize(image: Image, threshold: number): Image {
  const out = createImage(image.height, image.width, image.channels);
  for (let i = 0; i < image.data.length; i++) {
    const v = image.data[i];
    out.data[i] = v >= threshold ? 1 - v : v;
  }
  return out;
}

/** Stretches each channel so its minimum becomes 0 and its maximum 1 (flat channels are left alone). */
export function autocontrast(image: Image): Image {
  const { data, channels } = image;
  const out = createImage(image.height, image.width, channels);
  for (let c = 0; c < channels; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = c; i < data.length; i += channels) {
      if (data[i] < lo) lo = data[i];
      if (data[i] > hi) hi = data[i];
    }
    const scale = hi > lo ? 1 / (hi - lo) : 0;
    for (let i = c; i < data.length; i += channels) out.data[i] = scale ? (data[i] - lo) * scale : data[i];
  }
  return out;
}

/** Histogram equalisation per channel on 256 levels (PIL's ImageOps.equalize algorithm). */
export function equalize(image: Image): Image {
  const { data, channels } = image;
  const out = createImage(image.height, image.width, channels);
  const hist = new Int32Array(256);
  const lut = new Float32Array(256);
  for (let c = 0; c < channels; c++) {
    hist.fill(0);
    for (let i = c; i < data.length; i += channels) hist[toLevel(data[i])]++;
    let last = 255;
    while (last > 0 && hist[last] === 0) last--;
    let total = 0;
    for (let l = 0; l < 256; l++) total += hist[l];
    const step = Math.floor((total - hist[last]) / 255);
    if (step === 0) {
      // Too few distinct levels to spread out: PIL leaves the channel as it is.
      for (let i = c; i < data.length; i += channels) out.data[i] = data[i];
      continue;
    }
    let n = Math.floor(step / 2);
    for (let l = 0; l < 256; l++) {
      lut[l] = Math.min(255, Math.floor(n / step)) / 255;
      n += hist[l];
    }
    for (let i = c; i < data.length; i += channels) out.data[i] = lut[toLevel(data[i])];
  }
  return out;
}
