import { ComponentBuilder, ConfigError, createRegistries, Rng } from '@kiln/core';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Compose, HFlip, MixUp, RandAugment, register, type Image } from '../src/index';

const yaml = `
_target_: compose
transforms:
  - _target_: random_resized_crop
    scale: [0.5, 1.0]
  - _target_: hflip
  - _target_: rand_augment
    n: 2
    m: 9
  - _target_: color_jitter
    brightness: 0.2
    hue: 0.05
  - _target_: random_erasing
    p: 0.25
  - _target_: mixup
    alpha: 0.2
`;

function build(node: unknown): Compose {
  return new ComponentBuilder(createRegistries(register)).build<Compose>('transforms', node, 'data.augment');
}

function image(h: number, w: number, c: number): Image {
  const data = new Float32Array(h * w * c).map((_, i) => ((i * 7) % 13) / 13);
  return { data, height: h, width: w, channels: c };
}

describe('building augmentation from config', () => {
  it('builds a compose with nested transforms, separating mixup', () => {
    const c = build(parse(yaml));
    expect(c).toBeInstanceOf(Compose);
    expect(c.transforms.map((t) => (t.constructor as unknown as { type: string }).type)).toEqual([
      'random_resized_crop', 'hflip', 'rand_augment', 'color_jitter', 'random_erasing',
    ]);
    expect(c.transforms[1]).toBeInstanceOf(HFlip);
    expect((c.transforms[2] as RandAugment).m).toBe(9);
    expect(c.batchTransforms).toHaveLength(1);
    expect((c.batchTransforms[0] as MixUp).alpha).toBe(0.2);
  });

  it('runs end to end deterministically on RGB and grayscale images', () => {
    const c = build(parse(yaml));
    for (const channels of [1, 3]) {
      const img = image(16, 16, channels);
      const a = c.apply(img, new Rng(1, 'augment', 0));
      const b = c.apply(img, new Rng(1, 'augment', 0));
      expect(a.data).toEqual(b.data);
      expect([a.height, a.width, a.channels]).toEqual([16, 16, channels]);
      for (const v of a.data) expect(v >= 0 && v <= 1).toBe(true);
    }
  });

  it('an unknown option key fails with its path and a suggestion', () => {
    const node = { _target_: 'compose', transforms: [{ _target_: 'hflip' }, { _target_: 'rotate', degree: 10 }] };
    expect(() => build(node)).toThrow(ConfigError);
    expect(() => build(node)).toThrow(/data\.augment\.transforms\.1\.degree.*did you mean 'degrees'/);
  });

  it('an unknown transform name lists the closest registered one', () => {
    expect(() => build({ _target_: 'compose', transforms: [{ _target_: 'hflp' }] })).toThrow(/Did you mean 'hflip'/);
  });

  it('an invalid value names the key', () => {
    expect(() => build({ _target_: 'rand_augment', m: 40 })).toThrow(/data\.augment\.m/);
  });
});

describe('configs/augmentation option files', () => {
  const dir = join(__dirname, '../../../configs/augmentation');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it('exist', () => expect(files.length).toBeGreaterThanOrEqual(4));

  it.each(files)('%s builds and runs on a 16×16 RGB image', (file) => {
    const c = build(parse(readFileSync(join(dir, file), 'utf8')));
    const out = c.apply(image(16, 16, 3), new Rng(0));
    expect(out.data).toHaveLength(16 * 16 * 3);
  });
});
