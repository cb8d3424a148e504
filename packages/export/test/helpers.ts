import * as tf from '@tensorflow/tfjs';
import { createRegistries, Rng } from '@kiln/core';
import { register as registerModels } from '@kiln/models';

export const ZOO = ['mlp', 'simple_cnn', 'resnet', 'mobilenet_v2', 'vit_tiny'] as const;

/** A zoo model built through @kiln/models' registry at its default config for 32×32×3. */
export function buildZooModel(type: string, numClasses = 10, seed = 7): tf.LayersModel {
  const registries = createRegistries(registerModels);
  const Cls = registries.models.get(type) as unknown as new (o: Record<string, unknown>) => { net: tf.LayersModel };
  return new Cls({ numClasses, inputShape: [32, 32, 3], seed }).net;
}

/**
 * Fresh models have BatchNorm at identity (mean 0, var 1, γ 1, β 0) and zero biases, which
 * would hide a wrong BN or bias conversion; give them trained-looking values.
 */
export function perturbWeights(net: tf.LayersModel, seed = 3): void {
  const rng = new Rng(seed, 'export-test');
  for (const layer of net.layers) {
    const ws = layer.weights;
    if (!ws.length) continue;
    const values = layer.getWeights().map((t, i) => {
      const name = ws[i].originalName ?? ws[i].name;
      const data = Float32Array.from(t.dataSync());
      for (let j = 0; j < data.length; j++) {
        const u = rng.next();
        if (name.endsWith('moving_variance')) data[j] = 0.5 + u;
        else if (name.endsWith('moving_mean') || name.endsWith('beta') || name.endsWith('bias')) data[j] = (u - 0.5) * 0.2;
        else if (name.endsWith('gamma')) data[j] = 0.75 + 0.5 * u;
      }
      return tf.tensor(data, t.shape);
    });
    layer.setWeights(values);
    values.forEach((v) => v.dispose());
  }
}

/** A batch of deterministic inputs, roughly like normalised images. */
export function randomBatch(n: number, seed = 11, shape: [number, number, number] = [32, 32, 3]): Float32Array {
  const rng = new Rng(seed, 'export-input');
  const out = new Float32Array(n * shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < out.length; i++) out[i] = (rng.next() - 0.5) * 2;
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
