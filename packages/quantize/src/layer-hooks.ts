import * as tf from '@tensorflow/tfjs';

type Call = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

export function oneTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/**
 * Replaces `call` on layer instances (the executor of a functional model calls `layer.apply`
 * → `call`, so a graph with residuals runs the replacement in place), and puts the original
 * methods back with the returned function.
 */
export function overrideCalls(net: tf.LayersModel, calls: Map<string, (orig: Call) => Call>): () => void {
  const saved: { layer: tf.layers.Layer; had: boolean; call: unknown }[] = [];
  for (const [name, make] of calls) {
    const layer = net.getLayer(name);
    const own = Object.prototype.hasOwnProperty.call(layer, 'call');
    const orig = (layer.call as Call).bind(layer);
    saved.push({ layer, had: own, call: own ? layer.call : undefined });
    (layer as unknown as { call: Call }).call = make(orig);
  }
  return () => {
    for (const s of saved.reverse()) {
      if (s.had) (s.layer as unknown as { call: unknown }).call = s.call;
      else delete (s.layer as unknown as { call?: unknown }).call;
    }
  };
}
