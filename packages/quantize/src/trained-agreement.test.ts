import * as tf from '@tensorflow/tfjs';
import { SimpleCnn } from '@kiln/models';
import { describe, expect, it } from 'vitest';
import type { ImageBatch } from './calibrate';
import { quantizeModelInt8 } from './quantize-model';
import { referenceInt8Kernels } from './reference-kernels';

/** 4 classes: a bright quadrant on noise, so a few epochs learn it well. */
function quadrants(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return tf.tidy(() => {
    const labels = tf.floor(tf.randomUniform([n], 0, 4, 'float32', seed)) as tf.Tensor1D;
    const l = labels.dataSync();
    const img = tf.buffer([n, 8, 8, 3], 'float32');
    const noise = tf.randomNormal([n, 8, 8, 3], 0, 0.6, 'float32', seed + 1).dataSync();
    for (let i = 0; i < n; i++)
      for (let h = 0; h < 8; h++)
        for (let w = 0; w < 8; w++)
          for (let c = 0; c < 3; c++) {
            const q = (h < 4 ? 0 : 2) + (w < 4 ? 0 : 1);
            img.set(noise[((i * 8 + h) * 8 + w) * 3 + c] + (q === l[i] ? 2 : 0), i, h, w, c);
          }
    return { x: img.toTensor() as tf.Tensor4D, y: labels };
  });
}

const argmax = (net: tf.LayersModel, x: tf.Tensor4D) => tf.tidy(() => (tf.argMax(net.predict(x) as tf.Tensor, 1).dataSync() as Int32Array).slice());

describe('int8 on a trained model', () => {
  it('a small trained simple_cnn keeps ≥ 95% top-1 agreement and its accuracy within 2 points', async () => {
    const net = new SimpleCnn({ numClasses: 4, inputShape: [8, 8, 3], channels: [4, 8], hidden: 16, dropout: 0, seed: 3 }).net;
    const train = quadrants(256, 1);
    net.compile({ optimizer: tf.train.adam(1e-2), loss: 'sparseCategoricalCrossentropy' });
    await net.fit(train.x, train.y, { epochs: 8, batchSize: 32, verbose: 0, shuffle: false });
    const cal: ImageBatch[] = [0, 1, 2, 3].map((b) => ({ images: train.x.slice(b * 64, 64).dataSync() as Float32Array, shape: [64, 8, 8, 3] }));
    const test = quadrants(300, 9);
    const labels = test.y.dataSync();
    const fp32 = argmax(net, test.x);
    const q = await quantizeModelInt8(net, { kernels: referenceInt8Kernels(), calibration: () => cal, batches: 4 });
    const int8 = argmax(net, test.x);
    q.restore();
    const acc = (p: Int32Array) => p.filter((v, i) => v === labels[i]).length / p.length;
    const agreement = fp32.filter((v, i) => v === int8[i]).length / fp32.length;
    expect(acc(fp32)).toBeGreaterThan(0.6); // trained, so agreement means something
    expect(agreement).toBeGreaterThanOrEqual(0.95);
    expect(acc(fp32) - acc(int8)).toBeLessThanOrEqual(0.02);
    tf.dispose([train.x, train.y, test.x, test.y]);
    net.dispose();
  });
});
