import { rotationInverse, shearXInverse, shearYInverse, translationInverse, warpAffine } from './affine';
import { adjustBrightness, adjustContrast, adjustSaturation } from './color-adjust';
import { cloneImage, type Image } from './image';
import { adjustSharpness } from './sharpness';
import { autocontrast, equalize, posterize, solarize } from './tone';

/** The RandAugment op set (Cubuk et al. 2019, as in torchvision and timm). */
export const RAND_AUGMENT_OPS = [
  'identity',
  'autocontrast',
  'equalize',
  'rotate',
  'solarize',
  'color',
  'posterize',
  'contrast',
  'brightness',
  'sharpness',
  'shear_x',
  'shear_y',
  'translate_x',
  'translate_y',
] as const;
export type RandAugmentOp = (typeof RAND_AUGMENT_OPS)[number];

/** The largest magnitude scale; `m` in options runs from 0 to this (torchvision's 31 bins). */
export const MAX_MAGNITUDE = 30;

/** Ops whose magnitude direction is picked at random (e.g. rotate left or right). */
export const SIGNED_OPS: ReadonlySet<RandAugmentOp> = new Set([
  'rotate',
  'color',
  'contrast',
  'brightness',
  'sharpness',
  'shear_x',
  'shear_y',
  'translate_x',
  'translate_y',
]);

/**
 * Applies one op at `strength` in [0, 1] (= m / 30) with direction `sign` (±1), using
 * torchvision's magnitude ranges: shear 0.3, translate 150/331 of the size, rotate 30°,
 * colour/contrast/brightness/sharpness factor 1 ± 0.9, posterize 8 → 4 bits, solarize threshold 1 → 0.
 */
export function applyRandAugmentOp(
  op: RandAugmentOp,
  image: Image,
  strength: number,
  sign: number,
  fill: Float32Array,
): Image {
  const { height, width } = image;
  switch (op) {
    case 'identity':
      return cloneImage(image);
    case 'autocontrast':
      return autocontrast(image);
    case 'equalize':
      return equalize(image);
    case 'rotate':
      return warpAffine(image, rotationInverse(height, width, sign * 30 * strength), fill);
    case 'solarize':
      return solarize(image, 1 - strength);
    case 'color':
      return adjustSaturation(image, 1 + sign * 0.9 * strength);
    case 'posterize':
      return posterize(image, 8 - Math.round(4 * strength));
    case 'contrast':
      return adjustContrast(image, 1 + sign * 0.9 * strength);
    case 'brightness':
      return adjustBrightness(image, 1 + sign * 0.9 * strength);
    case 'sharpness':
      return adjustSharpness(image, 1 + sign * 0.9 * strength);
    case 'shear_x':
      return warpAffine(image, shearXInverse(height, sign * 0.3 * strength), fill);
    case 'shear_y':
      return warpAffine(image, shearYInverse(width, sign * 0.3 * strength), fill);
    case 'translate_x':
      return warpAffine(image, translationInverse(Math.round((sign * 150 * strength * width) / 331), 0), fill);
    case 'translate_y':
      return warpAffine(image, translationInverse(0, Math.round((sign * 150 * strength * height) / 331)), fill);
  }
}
