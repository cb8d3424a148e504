import * as tf from '@tensorflow/tfjs';

/** Writes arrays in `net.weights` order (checkpoints store order, since tfjs renames layers per process). */
export function setWeightsOrdered(net: tf.LayersModel, arrays: Float32Array[]): void {
  if (arrays.length !== net.weights.length) {
    throw new Error(`expected ${net.weights.length} weight arrays, got ${arrays.length}`);
  }
  net.weights.forEach((w, i) => assignWeight(w, arrays[i]));
}

function assignWeight(w: tf.LayerVariable, data: Float32Array): void {
  const size = w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
  if (data.length !== size) {
    throw new Error(`weight '${w.name}' has shape [${w.shape.join(', ')}] (${size} values), got ${data.length}`);
  }
  tf.tidy(() => {
    w.write(tf.tensor(data, w.shape as number[], w.dtype));
  });
}

/** Trainable variables keyed by their (process-unique) name, as the optimizer sees them. */
export function trainableVariables(net: tf.LayersModel): Map<string, tf.Variable> {
  return new Map(net.trainableWeights.map((w) => [w.name, w.read() as tf.Variable]));
}
