import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MseLoss } from './mse';
import { register, LOSS_CLASSES } from './register';
import { createRegistries } from '@kiln/core';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('mse', () => {
  it('averages squared differences against one-hot targets', () => {
    const v = tf.tidy(() => new MseLoss().compute(tf.tensor2d([[1, 2], [0, -1]]), tf.tensor1d([1, 0], 'int32')).dataSync()[0]);
    // (1-0)² + (2-1)² + (0-1)² + (-1-0)² = 4 over 4 elements
    expect(v).toBeCloseTo(1, 6);
  });

  it('compares softmax probabilities when asked (Brier score)', () => {
    const v = tf.tidy(() =>
      new MseLoss({ activation: 'softmax', reduction: 'sum' })
        .compute(tf.tensor2d([[0, 0]]), tf.tensor2d([[1, 0]]))
        .dataSync()[0],
    );
    expect(v).toBeCloseTo(0.5, 6); // (0.5-1)² + 0.5²
  });

  it('has finite gradients at logits of ±1e4', () => {
    const logits = tf.tensor2d([[1e4, -1e4]]);
    const g = tf.grad((x: tf.Tensor) => new MseLoss({ activation: 'sigmoid' }).compute(x as tf.Tensor2D, tf.tensor1d([1], 'int32')))(logits);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose([logits, g]);
  });
});

describe('register', () => {
  it('registers every loss under its type name', () => {
    const r = createRegistries(register);
    expect(r.losses.names()).toEqual(['bce', 'cross_entropy', 'focal', 'kd', 'mse']);
    expect(LOSS_CLASSES.every((c) => r.losses.owner(c.type) === '@kiln/losses')).toBe(true);
  });
});
