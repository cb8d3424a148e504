import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BceLoss } from './bce';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
/** Naive BCE in double precision: fine for moderate logits. */
function bce(x: number, t: number, pw = 1): number {
  return -(pw * t * Math.log(sigmoid(x)) + (1 - t) * Math.log(1 - sigmoid(x)));
}

const LOGITS = [
  [1.5, -0.5, 0],
  [-2, 3, 0.25],
];
const TARGETS = [
  [1, 0, 1],
  [0, 1, 0.5],
];

function value(loss: BceLoss, logits: number[][], targets: number[][] | number[]): number {
  return tf.tidy(() => {
    const t = Array.isArray(targets[0]) ? tf.tensor2d(targets as number[][]) : tf.tensor1d(targets as number[], 'int32');
    return loss.compute(tf.tensor2d(logits), t as tf.Tensor1D).dataSync()[0];
  });
}

describe('bce', () => {
  it('equals ln 2 for a zero logit', () => {
    expect(value(new BceLoss(), [[0]], [[1]])).toBeCloseTo(Math.LN2, 6);
  });

  it('matches the naive formula averaged over every element', () => {
    let sum = 0;
    LOGITS.forEach((row, i) => row.forEach((x, j) => (sum += bce(x, TARGETS[i][j]))));
    expect(value(new BceLoss(), LOGITS, TARGETS)).toBeCloseTo(sum / 6, 6);
    expect(value(new BceLoss({ reduction: 'sum' }), LOGITS, TARGETS)).toBeCloseTo(sum, 5);
  });

  it('weights positives with posWeight (scalar and per class)', () => {
    const pw = [2, 0.5, 3];
    let sum = 0;
    LOGITS.forEach((row, i) => row.forEach((x, j) => (sum += bce(x, TARGETS[i][j], pw[j]))));
    expect(value(new BceLoss({ posWeight: pw }), LOGITS, TARGETS)).toBeCloseTo(sum / 6, 6);
    let sum4 = 0;
    LOGITS.forEach((row, i) => row.forEach((x, j) => (sum4 += bce(x, TARGETS[i][j], 4))));
    expect(value(new BceLoss({ posWeight: 4 }), LOGITS, TARGETS)).toBeCloseTo(sum4 / 6, 6);
  });

  it('treats class ids as one-hot multi-label targets', () => {
    expect(value(new BceLoss(), LOGITS, [0, 1])).toBeCloseTo(
      value(new BceLoss(), LOGITS, [
        [1, 0, 0],
        [0, 1, 0],
      ]),
      6,
    );
  });

  it('is exact and has finite gradients at logits of ±1e4', () => {
    // -log σ(1e4) = 0, -log(1 - σ(1e4)) = 1e4: the loss of [1e4 → t=0, -1e4 → t=1] is 1e4 each.
    expect(value(new BceLoss(), [[1e4, -1e4]], [[0, 1]])).toBeCloseTo(1e4, 2);
    expect(value(new BceLoss(), [[1e4, -1e4]], [[1, 0]])).toBeCloseTo(0, 6);
    const logits = tf.tensor2d([[1e4, -1e4, 0]]);
    const targets = tf.tensor2d([[0, 1, 1]]);
    const g = tf.grad((x: tf.Tensor) => new BceLoss({ posWeight: 2 }).compute(x as tf.Tensor2D, targets))(logits);
    const grads = Array.from(g.dataSync());
    expect(grads.every(Number.isFinite)).toBe(true);
    // d/dx of the mean over 3 elements: (σ(x) - t)/3 → [1/3, -2/3 (pw 2), (0.5·2 - 2·1)/3 → -1/3]
    expect(grads[0]).toBeCloseTo(1 / 3, 5);
    expect(grads[1]).toBeCloseTo(-2 / 3, 5);
    tf.dispose([logits, targets, g]);
  });
});
