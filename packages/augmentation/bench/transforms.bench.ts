// Throughput of each transform on one 32×32 RGB image (the shapes dataset size) and of
// MixUp/CutMix on a 64-image batch. Run: cd packages/augmentation && npx vitest bench --run
import { Rng } from '@kiln/core';
import { bench, describe } from 'vitest';
import {
  ColorJitter, Compose, CutMix, HFlip, MixUp, RandAugment, RandomErasing, RandomResizedCrop, Rotate, Translate, VFlip,
  oneHot, type Image, type Transform,
} from '../src/index';

function image(h: number, w: number, c: number): Image {
  const data = new Float32Array(h * w * c).map((_, i) => ((i * 7919) % 1000) / 1000);
  return { data, height: h, width: w, channels: c };
}

const img = image(32, 32, 3);
const rng = new Rng(0, 'bench');
const perImage: Array<[string, Transform]> = [
  ['hflip', new HFlip({ p: 1 })],
  ['vflip', new VFlip({ p: 1 })],
  ['random_resized_crop', new RandomResizedCrop()],
  ['rotate', new Rotate()],
  ['translate', new Translate()],
  ['color_jitter', new ColorJitter({ hue: 0.1 })],
  ['random_erasing', new RandomErasing({ p: 1 })],
  ['rand_augment n=2 m=9', new RandAugment()],
  ['compose (crop, flip, rand_augment, erasing)', new Compose({ transforms: [new RandomResizedCrop(), new HFlip(), new RandAugment(), new RandomErasing()] })],
];

describe('per image, 32×32×3', () => {
  for (const [name, t] of perImage) bench(name, () => void t.apply(img, rng));
});

describe('per batch, 64×32×32×3', () => {
  const n = 64;
  const batch = {
    images: new Float32Array(n * 32 * 32 * 3).map((_, i) => (i % 255) / 255),
    shape: [n, 32, 32, 3] as [number, number, number, number],
    targets: oneHot(Array.from({ length: n }, (_, i) => i % 10), 10),
    numClasses: 10,
  };
  const mixup = new MixUp();
  const cutmix = new CutMix();
  bench('mixup', () => void mixup.applyBatch(batch, rng));
  bench('cutmix', () => void cutmix.applyBatch(batch, rng));
});
