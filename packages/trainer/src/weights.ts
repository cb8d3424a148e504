import type * as tf from '@tensorflow/tfjs';
import { setWeightsMap } from '@kiln/models';

/**
 * Writes arrays in `net.weights` order (checkpoints store order, since tfjs renames layers per
 * process). The per-weight size check is `@kiln/models`' `setWeightsMap`, the one implementation.
 */
export function setWeightsOrdered(net: tf.LayersModel, arrays: Float32Array[]): void {
  if (arrays.length !== net.weights.length) {
    throw new Error(`expected ${net.weights.length} weight arrays, got ${arrays.length}`);
  }
  const named = new Map(net.weights.map((w, i) => [w.originalName, arrays[i]]));
  if (named.size !== arrays.length) throw new Error(`the model '${net.name}' has two weights with the same name; cannot assign by position`);
  setWeightsMap(net, named);
}

/** Trainable variables keyed by their (process-unique) name, as the optimizer sees them. */
export function trainableVariables(net: tf.LayersModel): Map<string, tf.Variable> {
  return new Map(net.trainableWeights.map((w) => [w.name, w.read() as tf.Variable]));
}
