import type { Registries } from '@kiln/core';
import { Adam } from './optimizers/adam';
import { AdamW } from './optimizers/adamw';
import { RmsProp } from './optimizers/rmsprop';
import { Sgd } from './optimizers/sgd';
import { CosineScheduler } from './schedulers/cosine';
import { MultiStepScheduler } from './schedulers/multistep';
import { OneCycleScheduler } from './schedulers/onecycle';
import { ReduceOnPlateauScheduler } from './schedulers/reduce-on-plateau';
import { StepScheduler } from './schedulers/step';
import { Trainer } from './trainer';

const OWNER = '@kiln/trainer';

/** Registers the optimizers, LR schedulers and the trainer (`trainer: {_target_: trainer}`). */
export function register(registries: Registries): void {
  for (const cls of [Sgd, Adam, AdamW, RmsProp]) registries.optimizers.register(cls, OWNER);
  for (const cls of [CosineScheduler, StepScheduler, MultiStepScheduler, OneCycleScheduler, ReduceOnPlateauScheduler]) {
    registries.schedulers.register(cls, OWNER);
  }
  registries.trainers.register(Trainer, OWNER);
}
