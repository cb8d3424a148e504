import { createImage, type Image } from './image';

/**
 * PIL's ImageEnhance.Sharpness: blends with a smoothed copy (3×3 kernel, centre 5,
 * others 1, /13; border pixels unsmoothed). factor 0 = smoothed, 1 = unchanged, > 1 = sharper.
 */
export function adjustSharpness(image: Image, factor: number): Image {
  const { data, height, width, channels } = image;
  const smooth = data.slice();
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            sum += data[((y + dy) * width + x + dx) * channels + c] * (dx === 0 && dy === 0 ? 5 : 1);
          }
        }
        smooth[(y * width + x) * channels + c] = sum / 13;
      }
    }
  }
  const out = createImage(height, width, channels);
  for (let i = 0; i < data.length; i++) {
    const v = smooth[i] + factor * (data[i] - smooth[i]);
    out.data[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}
