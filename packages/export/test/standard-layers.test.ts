import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { registerLayerRewriter, withStandardLayers } from '../src';
import { maxAbsDiff, perturbWeights, randomBatch } from './helpers';

/** A custom layer (y = 2x) in the middle of a net, standing in for Kiln's own layers. */
class Doubling extends tf.layers.Layer {
  static readonly className = 'ExportTestDoubling';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, 2);
  }
}
tf.serialization.registerClass(Doubling);

registerLayerRewriter('ExportTestDoubling', (layer, [x]) => tf.layers.rescaling({ name: layer.name, scale: 2 }).apply(x) as tf.SymbolicTensor);

async function roundTrip(net: tf.LayersModel): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await net.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  expect(JSON.stringify(artifacts!.modelTopology)).not.toContain('ExportTestDoubling');
  return tf.loadLayersModel(tf.io.fromMemory(artifacts!), { strict: true });
}

describe('withStandardLayers', () => {
  it('replaces custom layers, re-applies the layers after them, and the saved model loads without the custom class', async () => {
    const x = tf.input({ shape: [6, 6, 3] });
    const a = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'conv_a' }).apply(x) as tf.SymbolicTensor;
    const d = new Doubling({ name: 'double' }).apply(a) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(d) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'residual' }).apply([bn, a]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3, name: 'head' }).apply(tf.layers.flatten({ name: 'flat' }).apply(sum)) as tf.SymbolicTensor;
    const net = tf.model({ inputs: x, outputs: out, name: 'custom_net' });
    perturbWeights(net);
    const { net: standard, rewritten } = withStandardLayers(net);
    expect(rewritten).toEqual(['double (ExportTestDoubling)']);
    expect(standard.layers.map((l) => l.getClassName())).not.toContain('ExportTestDoubling');
    const loaded = await roundTrip(standard);
    const input = tf.tensor4d(randomBatch(2, 3, [6, 6, 3]), [2, 6, 6, 3]);
    const want = (net.predict(input) as tf.Tensor).dataSync();
    const got = (loaded.predict(input) as tf.Tensor).dataSync();
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
    expect(Math.max(...Array.from(want, Math.abs))).toBeGreaterThan(0.01);
  });

  it('returns the same model when there is nothing to replace', () => {
    const x = tf.input({ shape: [4] });
    const net = tf.model({ inputs: x, outputs: tf.layers.dense({ units: 2 }).apply(x) as tf.SymbolicTensor });
    expect(withStandardLayers(net)).toEqual({ net, rewritten: [] });
  });
});
