import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { rand, relErr } from './__fixtures__/compare.js';
import { nativeReady } from './__fixtures__/setup.js';
import { nativeAdam } from './adam.js';

/** Trains a tiny model for a few steps; returns final weights and optimizer state. */
async function train(backend: string, makeOpt: () => tf.Optimizer): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const w1 = tf.variable(tf.tensor(rand(96 * 80, 1), [96, 80]), true, 'w1');
  const b1 = tf.variable(tf.tensor(rand(80, 2), [80]), true, 'b1');
  const x = tf.tensor(rand(32 * 96, 3), [32, 96]);
  const opt = makeOpt();
  for (let i = 0; i < 4; i++) {
    opt.minimize(() => tf.mean(tf.square(tf.relu(tf.add(tf.matMul(x, w1), b1)))) as tf.Scalar);
  }
  const state = await opt.getWeights();
  const out = [w1, b1, ...state.map((s) => s.tensor)].map((t) => t.dataSync() as Float32Array);
  tf.dispose([w1, b1, x]);
  opt.dispose();
  return out;
}

describe.skipIf(!nativeReady)('NativeAdamOptimizer', () => {
  it('matches tf.train.adam on cpu (weights and optimizer state)', async () => {
    const ref = await train('cpu', () => tf.train.adam(0.01));
    const got = await train('native', () => nativeAdam(0.01));
    expect(got.length).toBe(ref.length);
    for (let i = 0; i < ref.length; i++) expect(relErr(got[i], ref[i])).toBeLessThan(1e-4);
  });

  it('behaves like AdamOptimizer on other backends', async () => {
    const ref = await train('cpu', () => tf.train.adam(0.01));
    const got = await train('cpu', () => nativeAdam(0.01));
    for (let i = 0; i < ref.length; i++) expect(relErr(got[i], ref[i])).toBe(0);
  });

  it('does not leak tensors', async () => {
    await tf.setBackend('native');
    const w = tf.variable(tf.randomNormal([64, 64]));
    const opt = nativeAdam();
    const step = () => opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar);
    step();
    const before = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
    opt.dispose();
  });
});
