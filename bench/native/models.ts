/**
 * Benchmark models (tfjs-layers), mirrored exactly in torch_reference.py.
 */
import * as tf from '@tensorflow/tfjs';

export interface BenchModel {
  name: string;
  inputShape: [number, number, number] | [number];
  classes: number;
  build(): tf.LayersModel;
}

export const fmnistCnn: BenchModel = {
  name: 'fmnist-cnn',
  inputShape: [28, 28, 1],
  classes: 10,
  build: () => tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  }),
};

/** 5 x (conv3x3 'same' + BatchNorm + relu), global average pool, dense. */
export const cifarNet: BenchModel = {
  name: 'cifar-net',
  inputShape: [32, 32, 3],
  classes: 10,
  build: () => {
    const layers: tf.layers.Layer[] = [];
    const spec: [number, number][] = [[32, 1], [32, 1], [64, 2], [64, 1], [128, 2]];
    spec.forEach(([filters, strides], i) => {
      layers.push(tf.layers.conv2d({
        ...(i === 0 ? { inputShape: [32, 32, 3] } : {}), filters, kernelSize: 3, strides, padding: 'same', useBias: false,
      }));
      layers.push(tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }));
      layers.push(tf.layers.reLU());
    });
    layers.push(tf.layers.globalAveragePooling2d({}));
    layers.push(tf.layers.dense({ units: 10 }));
    return tf.sequential({ layers });
  },
};

export const mlp: BenchModel = {
  name: 'mlp',
  inputShape: [784],
  classes: 10,
  build: () => tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 512, activation: 'relu' }),
      tf.layers.dense({ units: 512, activation: 'relu' }),
      tf.layers.dense({ units: 10 }),
    ],
  }),
};

export const MODELS = [fmnistCnn, cifarNet, mlp];

/** Random batch (inputs, one-hot labels). */
export function batch(model: BenchModel, size: number): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({
    x: tf.randomNormal([size, ...model.inputShape]),
    y: tf.oneHot(tf.randomUniform([size], 0, model.classes, 'int32'), model.classes).toFloat(),
  }));
}

/** One Adam training step of a custom loop (what Kiln's trainer does). */
export function makeStep(model: tf.LayersModel, opt: tf.Optimizer, x: tf.Tensor, y: tf.Tensor): () => void {
  return () => {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(
      y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true);
    loss?.dataSync();
    loss?.dispose();
  };
}
