import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import * as models from '@kiln/models';
import { toOnnx, withStandardLayers } from '../src';
import { maxAbsDiff, perturbWeights, randomBatch } from './helpers';

type Sym = tf.SymbolicTensor;
type LayerCtor = new (args: Record<string, unknown>) => tf.layers.Layer;
const kiln = models as unknown as Record<string, LayerCtor | undefined>;
const HAVE = ['LayerNorm', 'Gelu', 'ReLU6', 'MultiHeadAttention'].every((n) => typeof kiln[n] === 'function');
const skipped = HAVE ? '' : " [skipped: this @kiln/models has no Kiln layers yet (LayerNorm, Gelu, ReLU6, MultiHeadAttention)]";

/** A small net using every Kiln layer (with non-default options), and the tanh GELU. */
function kilnNet(): tf.LayersModel {
  const K = kiln as Record<string, LayerCtor>;
  const x = tf.input({ shape: [4, 4, 6], name: 'input' });
  let y = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(x) as Sym;
  y = new K.ReLU6({ name: 'r6' }).apply(y) as Sym;
  y = tf.layers.reshape({ targetShape: [16, 8] }).apply(y) as Sym;
  y = new K.LayerNorm({ name: 'ln', epsilon: 1e-6 }).apply(y) as Sym;
  y = new K.MultiHeadAttention({ name: 'mha', heads: 2 }).apply(y) as Sym;
  y = new K.Gelu({ name: 'gelu_exact' }).apply(y) as Sym;
  y = tf.layers.dense({ units: 8 }).apply(y) as Sym;
  y = new K.Gelu({ name: 'gelu_tanh', approximate: true }).apply(y) as Sym;
  y = tf.layers.globalAveragePooling1d({}).apply(y) as Sym;
  return tf.model({ inputs: x, outputs: tf.layers.dense({ units: 5, name: 'logits' }).apply(y) as Sym });
}

describe(`Kiln's own layers${skipped}`, () => {
  it.skipIf(!HAVE)('ONNX: KilnReLU6, KilnLayerNorm, KilnMultiHeadAttention, KilnGelu (exact and tanh) match tfjs within 1e-4', async () => {
    const net = kilnNet();
    perturbWeights(net);
    const input = randomBatch(3, 4, [4, 4, 6]);
    const want = tf.tidy(() => (net.predict(tf.tensor4d(input, [3, 4, 4, 6])) as tf.Tensor).dataSync() as Float32Array);
    const session = await ort.InferenceSession.create(toOnnx(net));
    const out = await session.run({ input: new ort.Tensor('float32', input, [3, 4, 4, 6]) });
    await session.release();
    expect(maxAbsDiff(out.logits.data as Float32Array, want)).toBeLessThan(1e-4);
    expect(Math.max(...Array.from(want, Math.abs))).toBeGreaterThan(0.01);
    net.dispose();
  });

  it.skipIf(!HAVE)('tfjs: rewritten as built-in layers that load without Kiln and compute the same', async () => {
    const net = kilnNet();
    perturbWeights(net);
    const { net: standard, rewritten } = withStandardLayers(net);
    expect(rewritten).toEqual(['r6 (KilnReLU6)', 'ln (KilnLayerNorm)', 'mha (KilnMultiHeadAttention)', 'gelu_exact (KilnGelu)', 'gelu_tanh (KilnGelu)']);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await standard.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    expect(JSON.stringify(artifacts!.modelTopology)).not.toMatch(/"class_name":"Kiln/);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!), { strict: true });
    const input = tf.tensor4d(randomBatch(2, 8, [4, 4, 6]), [2, 4, 4, 6]);
    expect(maxAbsDiff((loaded.predict(input) as tf.Tensor).dataSync(), (net.predict(input) as tf.Tensor).dataSync())).toBeLessThan(1e-4);
  });
});
