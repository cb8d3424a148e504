import type { Registries } from '@kiln/core';
import { Mlp } from './mlp';
import { MobileNetV2 } from './mobilenet-v2';
import { ResNet } from './resnet';
import { SimpleCnn } from './simple-cnn';
import { VitTiny } from './vit-tiny';

/** Every model of the zoo. */
export const MODEL_CLASSES = [Mlp, SimpleCnn, ResNet, MobileNetV2, VitTiny] as const;

/** Registers the zoo in kind `models`. */
export function register(registries: Registries): void {
  for (const cls of MODEL_CLASSES) registries.models.register(cls, '@kiln/models');
}
