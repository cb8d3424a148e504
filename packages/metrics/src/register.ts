import type { Registries } from '@kiln/core';
import { Accuracy } from './accuracy';
import { Auroc } from './auroc';
import { F1Score, Precision, Recall } from './classification-scores';
import { ConfusionMatrix } from './confusion-matrix';
import { TopKAccuracy } from './top-k-accuracy';

/** Every metric this package provides. */
export const METRIC_CLASSES = [Accuracy, TopKAccuracy, Precision, Recall, F1Score, ConfusionMatrix, Auroc] as const;

/** Registers the metrics in kind `metrics`. */
export function register(registries: Registries): void {
  for (const cls of METRIC_CLASSES) registries.metrics.register(cls, '@kiln/metrics');
}
