import * as tf from '@kiln/contracts/tf';
import { KilnError } from '@kiln/core';

/**
 * Every weight (trainable and not, e.g. batch-norm statistics) as a copy, keyed by its
 * original name (`stage1_block1_conv1/kernel`). tfjs suffixes `w.name` (`…/kernel_1`)
 * when a process builds the same model twice; the original name is what `model.json`
 * stores and stays the same across processes.
 */
export function getWeightsMap(net: tf.LayersModel): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const w of net.weights) {
    if (out.has(w.originalName)) throw new KilnError(`getWeightsMap: two weights are named '${w.originalName}'`);
    out.set(w.originalName, Float32Array.from(w.read().dataSync() as ArrayLike<number>));
  }
  return out;
}

/**
 * Writes named arrays back into `net`. Every weight of `net` must be present with the
 * right number of values, and every entry must belong to `net`: a partial or foreign
 * map is refused before anything is written.
 */
export function setWeightsMap(net: tf.LayersModel, weights: Map<string, Float32Array>): void {
  const missing: string[] = [];
  for (const w of net.weights) {
    const data = weights.get(w.originalName);
    if (!data) {
      missing.push(w.originalName);
      continue;
    }
    const size = w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
    if (data.length !== size) {
      throw new KilnError(
        `setWeightsMap: '${w.originalName}' has shape [${w.shape.join(', ')}] (${size} values), got ${data.length} values`,
      );
    }
  }
  if (missing.length) {
    throw new KilnError(`setWeightsMap: no values for ${missing.length} weight(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  }
  const known = new Set(net.weights.map((w) => w.originalName));
  const extra = [...weights.keys()].filter((k) => !known.has(k));
  if (extra.length) {
    throw new KilnError(`setWeightsMap: the model '${net.name}' has no weight(s) ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`);
  }
  tf.tidy(() => {
    for (const w of net.weights) w.write(tf.tensor(weights.get(w.originalName)!, w.shape as number[], w.dtype));
  });
}
