import type { Registries } from '@kiln/core';
import { CsvLogger } from './csv-logger';
import { EarlyStopping } from './early-stopping';
import { LrMonitor } from './lr-monitor';
import { ModelCheckpoint } from './model-checkpoint';
import { ProgressBar } from './progress-bar';
import { TensorBoardLogger } from './tensorboard';
import { TerminateOnNan } from './terminate-on-nan';

export const CALLBACK_CLASSES = [
  ModelCheckpoint,
  EarlyStopping,
  LrMonitor,
  ProgressBar,
  CsvLogger,
  TensorBoardLogger,
  TerminateOnNan,
] as const;

/** Registers every built-in callback under kind `callbacks`. */
export function register(registries: Registries): void {
  for (const cls of CALLBACK_CLASSES) registries.callbacks.register(cls, '@kiln/callbacks');
}
