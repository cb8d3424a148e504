import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { WeightEma } from './ema';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('WeightEma', () => {
  it('tracks decay·shadow + (1-decay)·w and swaps weights only inside withShadowWeights', async () => {
    const net = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'ones', biasInitializer: 'zeros' })] });
    const ema = new WeightEma(net, 0.5);
    net.setWeights([tf.tensor2d([[3]]), tf.tensor1d([2])]);
    ema.update(); // kernel: 0.5·1 + 0.5·3 = 2; bias: 0.5·0 + 0.5·2 = 1
    const [k, b] = await ema.values();
    expect(k[0]).toBeCloseTo(2, 6);
    expect(b[0]).toBeCloseTo(1, 6);
    const before = tf.memory().numTensors;
    const inside = await ema.withShadowWeights(async () => net.getWeights()[0].dataSync()[0]);
    expect(inside).toBeCloseTo(2, 6);
    expect(net.getWeights()[0].dataSync()[0]).toBeCloseTo(3, 6);
    expect(tf.memory().numTensors).toBe(before);
    ema.dispose();
    net.dispose();
  });
});
