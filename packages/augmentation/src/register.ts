import type { Registries } from '@kiln/core';
import { ColorJitter } from './color-jitter';
import { Compose } from './compose';
import { CutMix } from './cutmix';
import { HFlip } from './hflip';
import { MixUp } from './mixup';
import { RandAugment } from './rand-augment';
import { RandomErasing } from './random-erasing';
import { RandomResizedCrop } from './random-resized-crop';
import { Rotate } from './rotate';
import { Translate } from './translate';
import { VFlip } from './vflip';

/** Every transform this package provides, in registration order. */
export const TRANSFORM_CLASSES = [
  Compose,
  HFlip,
  VFlip,
  RandomResizedCrop,
  Rotate,
  Translate,
  ColorJitter,
  RandomErasing,
  RandAugment,
  MixUp,
  CutMix,
] as const;

/** Registers the transforms in kind `transforms`. */
export function register(registries: Registries): void {
  for (const cls of TRANSFORM_CLASSES) registries.transforms.register(cls, '@kiln/augmentation');
}
