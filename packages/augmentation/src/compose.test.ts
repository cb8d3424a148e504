import { ConfigError, Rng } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { ramp, sameImage } from './__fixtures__/images';
import { applyBatchTransforms, Compose, splitAugmentation } from './compose';
import { CutMix } from './cutmix';
import { HFlip } from './hflip';
import { MixUp } from './mixup';
import { oneHot } from './one-hot';
import { Rotate } from './rotate';
import { RandomErasing } from './random-erasing';
import { VFlip } from './vflip';

describe('Compose', () => {
  it('applies per-image transforms in order', () => {
    const img = ramp(4, 4, 3);
    const flip = new HFlip({ p: 1 });
    const rot = new Rotate({ degrees: [90, 90] });
    const flipThenRotate = new Compose({ transforms: [flip, rot] }).apply(img, new Rng(1));
    const rotateThenFlip = new Compose({ transforms: [rot, flip] }).apply(img, new Rng(1));
    expect(sameImage(flipThenRotate, rot.apply(flip.apply(img, new Rng(0)), new Rng(0)))).toBe(true);
    expect(sameImage(rotateThenFlip, flip.apply(rot.apply(img, new Rng(0)), new Rng(0)))).toBe(true);
    expect(sameImage(flipThenRotate, rotateThenFlip)).toBe(false);
  });

  it('draws from one rng in sequence, exactly as applying the members by hand', () => {
    const img = ramp(8, 8, 1);
    const members = [new HFlip(), new Rotate({ degrees: 20 }), new RandomErasing()];
    const composed = new Compose({ transforms: members }).apply(img, new Rng(42));
    const rng = new Rng(42);
    rng.next(); // compose's own p coin
    let manual = img;
    for (const t of members) manual = t.apply(manual, rng);
    expect(sameImage(composed, manual)).toBe(true);
  });

  it('sets batch-level members aside, also from nested composes', () => {
    const mixup = new MixUp();
    const cutmix = new CutMix();
    const inner = new Compose({ transforms: [new VFlip(), cutmix] });
    const c = new Compose({ transforms: [new HFlip(), mixup, inner] });
    expect(c.transforms).toHaveLength(2);
    expect(c.batchTransforms).toEqual([mixup, cutmix]);
    expect(inner.transforms).toHaveLength(1);
  });

  it('an empty compose and p = 0 are the identity (copy)', () => {
    const img = ramp(4, 4, 3);
    const out = new Compose().apply(img, new Rng(1));
    expect(sameImage(out, img)).toBe(true);
    expect(out.data).not.toBe(img.data);
    expect(sameImage(new Compose({ transforms: [new HFlip({ p: 1 })], p: 0 }).apply(img, new Rng(1)), img)).toBe(true);
  });

  it('is deterministic under a seed', () => {
    const img = ramp(8, 8, 3);
    const c = new Compose({ transforms: [new HFlip(), new Rotate(), new RandomErasing({ p: 1 })] });
    expect(sameImage(c.apply(img, new Rng(5)), c.apply(img, new Rng(5)))).toBe(true);
    expect(sameImage(c.apply(img, new Rng(5)), c.apply(img, new Rng(6)))).toBe(false);
  });

  it('rejects members that are not transforms, naming the index', () => {
    expect(() => new Compose({ transforms: [new HFlip(), { foo: 1 } as never] })).toThrow(ConfigError);
    expect(() => new Compose({ transforms: [new HFlip(), { foo: 1 } as never] })).toThrow(/transforms\.1/);
    expect(() => new Compose({ transform: [] } as never)).toThrow(/transform/);
  });

  it('runs batch transforms in order, feeding targets along', () => {
    const images = new Float32Array(2 * 2 * 2).map((_, i) => i / 8);
    const batch = { images, shape: [2, 2, 2, 1] as [number, number, number, number], targets: oneHot([0, 1], 2), numClasses: 2 };
    const c = new Compose({ transforms: [new MixUp({ p: 1 })] });
    const out = c.applyBatchTransforms(batch, new Rng(3));
    const direct = new MixUp({ p: 1 }).applyBatch(batch, new Rng(3));
    expect(out.images).toEqual(direct.images);
    expect(out.targets).toEqual(direct.targets);
    const none = applyBatchTransforms([], batch, new Rng(3));
    expect(none.images).toEqual(images);
    expect(none.images).not.toBe(images);
  });
});

describe('splitAugmentation', () => {
  it('splits composes, lone batch transforms and lone transforms', () => {
    const mixup = new MixUp();
    const flip = new HFlip();
    const c = new Compose({ transforms: [flip, mixup] });
    expect(splitAugmentation(c)).toEqual({ transform: c, batchTransforms: [mixup] });
    expect(splitAugmentation(mixup)).toEqual({ batchTransforms: [mixup] });
    expect(splitAugmentation(flip)).toEqual({ transform: flip, batchTransforms: [] });
    expect(splitAugmentation(undefined)).toEqual({ batchTransforms: [] });
    expect(() => splitAugmentation({} as never)).toThrow(ConfigError);
  });
});
