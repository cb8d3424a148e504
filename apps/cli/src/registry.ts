import { createRegistries, type Registries } from '@kiln/core';
import { register as registerAugmentation } from '@kiln/augmentation';
import { register as registerCallbacks } from '@kiln/callbacks';
import { register as registerData } from '@kiln/data';
import { register as registerLosses } from '@kiln/losses';
import { register as registerMetrics } from '@kiln/metrics';
import { register as registerModels } from '@kiln/models';
import { register as registerProcessors } from '@kiln/processors';
import { register as registerTrainer } from '@kiln/trainer';

/** Every built-in component, registered explicitly (nothing registers on import). */
export function registerAll(): Registries {
  return createRegistries(
    registerData,
    registerProcessors,
    registerAugmentation,
    registerModels,
    registerLosses,
    registerMetrics,
    registerTrainer,
    registerCallbacks,
  );
}
