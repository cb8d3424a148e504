import * as tf from '@tensorflow/tfjs';
import { MobileNetV2, Mlp, ResNet, SimpleCnn, VitTiny } from '@kiln/models';
import { afterAll, describe, expect, it } from 'vitest';
import { initEngine, probeNative } from '../src/index';

// Every zoo model (narrow widths) takes one real training step on each fast-path backend:
// finite loss, finite gradients for every trainable weight, and weights that moved.
const inputShape: [number, number, number] = [32, 32, 3];
const ZOO = [
  ['mlp', () => new Mlp({ numClasses: 5, inputShape, hidden: [16], seed: 1 })],
  ['simple_cnn', () => new SimpleCnn({ numClasses: 5, inputShape, channels: [4, 8], hidden: 16, seed: 1 })],
  ['resnet', () => new ResNet({ numClasses: 5, inputShape, depth: 18, widthMultiplier: 0.0625, seed: 1 })],
  ['mobilenet_v2', () => new MobileNetV2({ numClasses: 5, inputShape, widthMultiplier: 0.25, seed: 1 })],
  ['vit_tiny', () => new VitTiny({ numClasses: 5, inputShape, dim: 16, depth: 1, heads: 2, seed: 1 })],
] as const;

async function nativeBuilt(): Promise<boolean> {
  return (await probeNative()).available;
}

describe.each(['native', 'wasm'] as const)('zoo models train on %s', (backend) => {
  afterAll(() => tf.disposeVariables());

  it.each(ZOO)('%s: one SGD step with finite gradients', async (_name, build) => {
    if (backend === 'native' && !(await nativeBuilt())) return; // no addon here: wasm covers the fallback
    await initEngine({ backend, prodMode: true });
    expect(tf.getBackend()).toBe(backend);
    const model = build();
    const x = tf.randomUniform([4, ...inputShape], 0, 1, 'float32', 7);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 5);
    const before = model.net.trainableWeights.map((w) => w.read().dataSync().slice());
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(y, model.net.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    );
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    for (const w of model.net.trainableWeights) {
      const g = grads[w.read().name];
      expect(g, w.name).toBeDefined();
      expect(g.dataSync().every(Number.isFinite), w.name).toBe(true);
    }
    tf.train.sgd(0.1).applyGradients(grads);
    const moved = model.net.trainableWeights.some((w, i) => w.read().dataSync().some((v, j) => v !== before[i][j]));
    expect(moved).toBe(true);
    tf.dispose([x, y, value, ...Object.values(grads)]);
    model.net.dispose();
  });
});
