import * as tf from '@tensorflow/tfjs';

/** True when the model's last layer already ends in a softmax (then it outputs probabilities). */
export function endsInSoftmax(net: tf.LayersModel): boolean {
  const last = net.outputs[0]?.sourceLayer;
  if (!last) return false;
  if (last.getClassName() === 'Softmax') return true;
  const activation = (last.getConfig() as { activation?: unknown }).activation;
  return activation === 'softmax';
}

/**
 * The same network with a Softmax layer after its logits, sharing the trained layers (no
 * weights are copied), so exported models output what `kiln predict` prints.
 */
export function withSoftmax(net: tf.LayersModel, name = 'probabilities'): tf.LayersModel {
  if (net.outputs.length !== 1) throw new Error(`model '${net.name}' has ${net.outputs.length} outputs; export supports one`);
  if (endsInSoftmax(net)) return net;
  let layerName = name;
  for (let i = 1; net.layers.some((l) => l.name === layerName); i++) layerName = `${name}_${i}`;
  const probs = tf.layers.softmax({ name: layerName, axis: -1 }).apply(net.outputs[0]) as tf.SymbolicTensor;
  return tf.model({ inputs: net.inputs, outputs: probs, name: net.name });
}
