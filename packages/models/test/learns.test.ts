import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { SimpleCnn } from '@kiln/models';
import { makeShapes } from './shapes-fixture';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// A small end-to-end check that gradients flow usefully (batch norm, dropout, init): a narrow
// simple_cnn fits 18 shape images (16×16: tfjs-cpu conv gradients are slow). The full ≥95% held-out check is bench/train-shapes.ts.
it('simple_cnn fits a small batch of 16×16×3 shapes', () => {
  const { images, labels } = makeShapes(18, 16, 5);
  const model = new SimpleCnn({ numClasses: 6, inputShape: [16, 16, 3], channels: [4, 8], hidden: 0, dropout: 0, seed: 3 });
  const x = tf.tensor4d(images, [18, 16, 16, 3]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 6);
  const optimizer = tf.train.adam(0.02);
  const lossOf = () => tf.losses.softmaxCrossEntropy(y, model.net.apply(x, { training: true }) as tf.Tensor) as tf.Scalar;
  const first = tf.tidy(() => lossOf().dataSync()[0]);
  for (let step = 0; step < 25; step++) tf.tidy(() => void optimizer.minimize(lossOf));
  const last = tf.tidy(() => lossOf().dataSync()[0]);
  expect(last).toBeLessThan(first / 3);
  const accuracy = tf.tidy(() => {
    const predicted = (model.net.predict(x) as tf.Tensor).argMax(-1);
    return tf.equal(predicted, tf.tensor1d(labels, 'int32')).mean().dataSync()[0];
  });
  expect(accuracy).toBeGreaterThanOrEqual(0.9);
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
});
