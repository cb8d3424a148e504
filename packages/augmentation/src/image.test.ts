import { describe, expect, it } from 'vitest';
import { assertImage, cloneImage, createImage, isBatchTransform, isTransform } from './image';
import { HFlip } from './hflip';
import { MixUp } from './mixup';

describe('image helpers', () => {
  it('assertImage names what does not match', () => {
    expect(() => assertImage({ data: new Float32Array(5), height: 2, width: 2, channels: 1 }, 'hflip')).toThrow(
      /hflip: image.data has 5 values but 2×2×1 = 4/,
    );
    expect(() => assertImage({ data: new Float32Array(0), height: 0, width: 2, channels: 1 }, 'x')).toThrow(/height/);
    expect(() => assertImage({ data: [0] as never, height: 1, width: 1, channels: 1 }, 'x')).toThrow(/Float32Array/);
    expect(() => assertImage(createImage(2, 3, 3), 'x')).not.toThrow();
  });

  it('cloneImage copies the buffer', () => {
    const a = createImage(1, 2, 1);
    const b = cloneImage(a);
    b.data[0] = 1;
    expect(a.data[0]).toBe(0);
  });

  it('type guards tell per-image from batch transforms', () => {
    expect(isBatchTransform(new MixUp())).toBe(true);
    expect(isBatchTransform(new HFlip())).toBe(false);
    expect(isBatchTransform({ batchLevel: true })).toBe(false);
    expect(isTransform(new HFlip())).toBe(true);
    expect(isTransform(new MixUp())).toBe(false);
    expect(isTransform(null)).toBe(false);
  });
});
