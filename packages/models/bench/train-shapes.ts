/**
 * Trains the default `simple_cnn` on the synthetic 32×32×3, 6-class shapes set and prints
 * validation accuracy per epoch (the zoo's "learns in a few epochs" check; target ≥ 95%).
 * Uses the fast `native` backend when `@kiln/backend-native` is built, else tfjs-cpu
 * (whose convolution filter gradients are far too slow for the default widths).
 *
 *   npx tsx packages/models/bench/train-shapes.ts [epochs=5] [train=2000] [batchNorm=true]
 */
import * as tf from '@tensorflow/tfjs';
import { SimpleCnn } from '../src/simple-cnn';
import { makeShapes } from '../test/shapes-fixture';

async function pickBackend(): Promise<string> {
  try {
    const name = '@kiln/backend-native';
    const native = require(name) as { registerNativeBackend(): boolean };
    if (native.registerNativeBackend() && (await tf.setBackend('native'))) return 'native';
  } catch {
    /* not built: fall through */
  }
  await tf.setBackend('cpu');
  return 'cpu';
}

async function main(): Promise<void> {
  const epochs = Number(process.argv[2] ?? 5);
  const trainCount = Number(process.argv[3] ?? 2000);
  const batchNorm = (process.argv[4] ?? 'true') !== 'false';
  const backend = await pickBackend();
  const train = makeShapes(trainCount, 32, 1);
  const val = makeShapes(240, 32, 2);
  const model = new SimpleCnn({ numClasses: 6, inputShape: [32, 32, 3], seed: 42, batchNorm });
  console.log(model.summary());
  const optimizer = tf.train.adam(1e-3);
  const batchSize = 32;
  const pixels = 32 * 32 * 3;
  let order = Array.from({ length: trainCount }, (_, i) => i);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const started = Date.now();
    order = order.map((v, i) => [v, Math.sin(epoch * 1000 + i)] as const).sort((a, b) => a[1] - b[1]).map(([v]) => v);
    let lossSum = 0;
    for (let start = 0; start < trainCount; start += batchSize) {
      const idx = order.slice(start, start + batchSize);
      const xs = new Float32Array(idx.length * pixels);
      idx.forEach((s, j) => xs.set(train.images.subarray(s * pixels, (s + 1) * pixels), j * pixels));
      const loss = tf.tidy(() => {
        const x = tf.tensor4d(xs, [idx.length, 32, 32, 3]);
        const y = tf.oneHot(tf.tensor1d(idx.map((s) => train.labels[s]), 'int32'), 6);
        return optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(y, model.net.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
          true,
        )!;
      });
      lossSum += loss.dataSync()[0] * idx.length;
      loss.dispose();
    }
    const correct = tf.tidy(() => {
      const logits = model.net.predict(tf.tensor4d(val.images, [val.labels.length, 32, 32, 3])) as tf.Tensor;
      const hits = tf.equal(logits.argMax(-1), tf.tensor1d(val.labels, 'int32'));
      return hits.sum().dataSync()[0];
    });
    const acc = correct / val.labels.length;
    console.log(
      `[${backend}] epoch ${epoch}: train loss ${(lossSum / trainCount).toFixed(4)}, val accuracy ${(acc * 100).toFixed(1)}% (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
  }
}

void main();
