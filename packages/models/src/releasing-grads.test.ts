import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MobileNetV2 } from './mobilenet-v2';
import { ResNet } from './resnet';
import { variableGradsReleasing } from './releasing-grads';
import { VitTiny } from './vit-tiny';
import type { ZooModel } from './zoo-model';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Gradients, loss and the highest tensor byte count seen during the call. */
function run(model: ZooModel, grads: typeof tf.variableGrads, x: tf.Tensor, y: tf.Tensor) {
  const engine = tf.engine() as unknown as { runKernel: (...a: unknown[]) => unknown; state: { numBytes: number } };
  let peak = 0;
  const orig = engine.runKernel;
  engine.runKernel = (...a: unknown[]) => {
    const out = orig.apply(engine, a);
    peak = Math.max(peak, engine.state.numBytes);
    return out;
  };
  try {
    const vars = model.net.trainableWeights.map((w) => w.read() as tf.Variable);
    const r = grads(() => tf.losses.softmaxCrossEntropy(y, model.net.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, vars);
    return { ...r, peak };
  } finally {
    engine.runKernel = orig;
  }
}

describe('variableGradsReleasing', () => {
  const inputShape: [number, number, number] = [8, 8, 3];
  it.each([
    ['resnet', () => new ResNet({ numClasses: 4, inputShape, widthMultiplier: 0.0625, seed: 1 })],
    ['mobilenet_v2', () => new MobileNetV2({ numClasses: 4, inputShape, widthMultiplier: 0.25, dropout: 0, seed: 1 })],
    ['vit_tiny', () => new VitTiny({ numClasses: 4, inputShape, dim: 16, depth: 2, heads: 2, seed: 1 })],
  ])('%s: the same gradients as tf.variableGrads, nothing leaked, a lower peak', (_name, build) => {
    const model = build();
    const x = tf.randomNormal([8, ...inputShape], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4);
    // training-mode batch norm moves its statistics; restore them so both runs see the same weights
    const weights = model.net.getWeights().map((w) => w.clone());
    const beforeA = tf.memory().numTensors;
    const a = run(model, tf.variableGrads, x, y);
    const addedA = tf.memory().numTensors - beforeA;
    model.net.setWeights(weights);
    const beforeB = tf.memory().numTensors;
    const b = run(model, variableGradsReleasing, x, y);
    // only the loss and the gradients remain: nothing leaked, nothing disposed twice
    expect(tf.memory().numTensors - beforeB).toBe(addedA);
    expect(addedA).toBe(1 + Object.keys(a.grads).length);
    expect(Object.keys(b.grads).sort()).toEqual(Object.keys(a.grads).sort());
    expect(b.value.dataSync()[0]).toBeCloseTo(a.value.dataSync()[0], 6);
    for (const [k, g] of Object.entries(a.grads)) {
      const d = tf.max(tf.abs(tf.sub(g, b.grads[k]))).dataSync()[0];
      expect(d, k).toBeLessThan(1e-6);
    }
    expect(b.peak).toBeLessThan(a.peak);
    tf.dispose([a.value, b.value, ...Object.values(a.grads), ...Object.values(b.grads), ...weights, x, y]);
    model.dispose();
  });
});
