import type { Registries } from '@kiln/core';
import { BceLoss } from './bce';
import { CrossEntropyLoss } from './cross-entropy';
import { FocalLoss } from './focal';
import { KdLoss } from './kd';
import { MseLoss } from './mse';

/** Every loss this package provides. */
export const LOSS_CLASSES = [CrossEntropyLoss, FocalLoss, BceLoss, MseLoss, KdLoss] as const;

/** Registers the losses in kind `losses`. */
export function register(registries: Registries): void {
  for (const cls of LOSS_CLASSES) registries.losses.register(cls, '@kiln/losses');
}
