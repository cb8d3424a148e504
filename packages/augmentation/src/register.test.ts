import { createRegistries } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { register } from './register';

describe('register', () => {
  it('registers every transform under its stable name', () => {
    const registries = createRegistries(register);
    expect(registries.transforms.names()).toEqual(
      ['color_jitter', 'compose', 'cutmix', 'hflip', 'mixup', 'rand_augment', 'random_erasing', 'random_resized_crop', 'rotate', 'translate', 'vflip'],
    );
    expect(registries.transforms.owner('mixup')).toBe('@kiln/augmentation');
  });

  it('every class has a strict schema and a description', () => {
    const registries = createRegistries(register);
    for (const cls of registries.transforms.classes()) {
      expect(cls.description, cls.type).toBeTruthy();
      expect(cls.optionsSchema!.safeParse({ notAnOption: 1 }).success, cls.type).toBe(false);
      expect(cls.optionsSchema!.safeParse({}).success, cls.type).toBe(true);
    }
  });
});
