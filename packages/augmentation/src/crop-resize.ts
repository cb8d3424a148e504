import { sampleBilinear } from './bilinear';
import { createImage, type Image } from './image';

const NO_FILL = new Float32Array(0);

/** A rectangle in pixels: rows [top, top+height), columns [left, left+width). */
export interface Box {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * Bilinear resize of the region `box` of `image` to outHeight × outWidth (half-pixel
 * centres, edges clamped to the box). A box covering the whole image at the same size is an exact copy.
 */
export function cropResize(image: Image, box: Box, outHeight: number, outWidth: number): Image {
  const { channels } = image;
  const out = createImage(outHeight, outWidth, channels);
  const scaleX = box.width / outWidth;
  const scaleY = box.height / outHeight;
  // Clamp to the box, not the image: a crop must not pick up pixels from outside it.
  const maxX = box.left + box.width - 1;
  const maxY = box.top + box.height - 1;
  let o = 0;
  for (let y = 0; y < outHeight; y++) {
    const sy = Math.min(Math.max(box.top + (y + 0.5) * scaleY - 0.5, box.top), maxY);
    for (let x = 0; x < outWidth; x++, o += channels) {
      const sx = Math.min(Math.max(box.left + (x + 0.5) * scaleX - 0.5, box.left), maxX);
      sampleBilinear(image, sx, sy, out.data, o, 'clamp', NO_FILL);
    }
  }
  return out;
}
