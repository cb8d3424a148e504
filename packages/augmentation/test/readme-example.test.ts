// The README's standalone example, with concrete data: it must keep working as written.
import { Rng } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { Compose, HFlip, MixUp, oneHot, RandAugment, RandomResizedCrop, type Image } from '../src/index';

describe('README standalone example', () => {
  it('augments images one by one, then mixes the stacked batch', () => {
    const augment = new Compose({
      transforms: [new RandomResizedCrop({ scale: [0.5, 1] }), new HFlip(), new RandAugment({ n: 2, m: 9 }), new MixUp({ alpha: 0.2 })],
    });
    const n = 4;
    const numClasses = 3;
    const labels = [0, 1, 2, 0];
    const batchImages = new Float32Array(n * 32 * 32 * 3);
    for (let i = 0; i < n; i++) {
      const image: Image = { data: new Float32Array(32 * 32 * 3).fill((i + 1) / 5), height: 32, width: 32, channels: 3 };
      const out = augment.apply(image, new Rng(42, 'augment', 0, i));
      batchImages.set(out.data, i * 32 * 32 * 3);
    }
    const { images, targets } = augment.applyBatchTransforms(
      { images: batchImages, shape: [n, 32, 32, 3], targets: oneHot(labels, numClasses), numClasses },
      new Rng(42, 'batch-augment', 0, 0),
    );
    expect(images).toHaveLength(batchImages.length);
    expect(targets).toHaveLength(n * numClasses);
    for (let i = 0; i < n; i++) {
      const row = targets.subarray(i * numClasses, (i + 1) * numClasses);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    }
  });
});
