import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getWeightsMap, loadModel, Mlp, MobileNetV2, ResNet, saveModel, SimpleCnn, VitTiny } from '@kiln/models';

const tmp = mkdtempSync(join(tmpdir(), 'kiln-models-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Shape = [number, number, number];
// Tiny widths keep tfjs-cpu convolution gradients fast enough for CI.
const ZOO = [
  { name: 'mlp', make: (inputShape: Shape, seed: number) => new Mlp({ numClasses: 5, inputShape, hidden: [16, 8], seed }) },
  { name: 'simple_cnn', make: (inputShape: Shape, seed: number) => new SimpleCnn({ numClasses: 5, inputShape, channels: [8, 16], hidden: 16, seed }) },
  { name: 'resnet18', make: (inputShape: Shape, seed: number) => new ResNet({ numClasses: 5, inputShape, depth: 18, widthMultiplier: 0.125, seed }) },
  { name: 'mobilenet_v2', make: (inputShape: Shape, seed: number) => new MobileNetV2({ numClasses: 5, inputShape, widthMultiplier: 0.25, seed }) },
  { name: 'vit_tiny', make: (inputShape: Shape, seed: number) => new VitTiny({ numClasses: 5, inputShape, dim: 16, depth: 2, heads: 2, seed }) },
];
const SHAPES: Shape[] = [
  [28, 28, 1],
  [32, 32, 3],
];

function batch(shape: Shape, n = 2): tf.Tensor4D {
  const size = n * shape[0] * shape[1] * shape[2];
  // Deterministic, varied pixels without touching Math.random.
  return tf.tensor4d(Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37) * 0.8), [n, ...shape]);
}

describe.each(ZOO)('$name', ({ name, make }) => {
  it.each(SHAPES)('builds for %i×%i×%i, trains a step with finite gradients, and reloads identically', async (...shape) => {
    const model = make(shape as Shape, 7);
    const net = model.net;
    const x = batch(shape as Shape);
    const labels = tf.oneHot(tf.tensor1d([1, 3], 'int32'), 5);

    const logits = net.predict(x) as tf.Tensor;
    expect(logits.shape).toEqual([2, 5]);
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);

    const { value, grads } = tf.variableGrads(() =>
      tf.losses.softmaxCrossEntropy(labels, net.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
    );
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const gradNames = Object.keys(grads);
    expect(gradNames.length).toBe(net.trainableWeights.length);
    let nonZero = 0;
    for (const g of Object.values(grads)) {
      const data = g.dataSync();
      expect(Array.from(data).every(Number.isFinite)).toBe(true);
      if (data.some((v) => v !== 0)) nonZero++;
    }
    expect(nonZero).toBeGreaterThan(gradNames.length / 2);

    const dir = join(tmp, `${name}-${shape.join('x')}`);
    await saveModel(net, dir);
    const loaded = await loadModel(dir);
    const again = loaded.predict(x) as tf.Tensor;
    expect(Array.from(again.dataSync())).toEqual(Array.from((net.predict(x) as tf.Tensor).dataSync()));
    expect([...getWeightsMap(loaded).keys()]).toEqual([...getWeightsMap(net).keys()]);

    expect(model.summary()).toMatch(/Total params: [\d,]+/);
    tf.dispose([x, labels, logits, value, again, ...Object.values(grads)]);
    loaded.dispose();
    model.dispose();
  });

  it('builds identical weights from the same seed and different ones from another seed', () => {
    const a = make([28, 28, 1], 3);
    const b = make([28, 28, 1], 3);
    const c = make([28, 28, 1], 4);
    const wa = getWeightsMap(a.net);
    const wb = getWeightsMap(b.net);
    const wc = getWeightsMap(c.net);
    for (const [k, v] of wa) expect(Array.from(wb.get(k)!), k).toEqual(Array.from(v));
    const firstKernel = [...wa.keys()].find((k) => k.endsWith('kernel'))!;
    expect(Array.from(wc.get(firstKernel)!)).not.toEqual(Array.from(wa.get(firstKernel)!));
    [a, b, c].forEach((m) => m.dispose());
  });
});
