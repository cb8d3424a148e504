import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrossEntropyLoss } from './cross-entropy';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Plain double-precision log-softmax, independent of tfjs. */
function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const lse = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  return row.map((x) => x - lse);
}

const LOGITS = [
  [2, 1, 0.1],
  [0.5, 2.5, -1],
  [-1, 0, 3],
];
const IDS = [0, 2, 2];

function value(loss: CrossEntropyLoss, logits: number[][], targets: number[] | number[][]): number {
  return tf.tidy(() => {
    const t = Array.isArray(targets[0]) ? tf.tensor2d(targets as number[][]) : tf.tensor1d(targets as number[], 'int32');
    return loss.compute(tf.tensor2d(logits), t as tf.Tensor1D).dataSync()[0];
  });
}

describe('cross_entropy', () => {
  it('equals ln 2 for two equal logits', () => {
    expect(value(new CrossEntropyLoss(), [[0, 0]], [0])).toBeCloseTo(Math.LN2, 6);
  });

  it('matches the hand-computed mean and sum', () => {
    const per = IDS.map((y, i) => -logSoftmax(LOGITS[i])[y]);
    const mean = per.reduce((a, b) => a + b) / per.length;
    expect(value(new CrossEntropyLoss(), LOGITS, IDS)).toBeCloseTo(mean, 5);
    expect(value(new CrossEntropyLoss({ reduction: 'sum' }), LOGITS, IDS)).toBeCloseTo(mean * 3, 4);
    // Row 0: log-softmax([2, 1, 0.1])[0] = 2 - ln(e^2 + e + e^0.1) = -0.4170300
    expect(-logSoftmax(LOGITS[0])[0]).toBeCloseTo(0.41703, 5);
  });

  it('applies label smoothing as (1-ε)·onehot + ε/k', () => {
    const eps = 0.1;
    const per = IDS.map((y, i) => {
      const lp = logSoftmax(LOGITS[i]);
      return -lp.reduce((s, l, c) => s + ((c === y ? 1 - eps : 0) + eps / 3) * l, 0);
    });
    const mean = per.reduce((a, b) => a + b) / 3;
    expect(value(new CrossEntropyLoss({ labelSmoothing: eps }), LOGITS, IDS)).toBeCloseTo(mean, 5);
  });

  it('weights classes like PyTorch (mean divides by the summed weights of the targets)', () => {
    const w = [1, 2, 0.5];
    const num = IDS.reduce((s, y, i) => s - w[y] * logSoftmax(LOGITS[i])[y], 0);
    const den = IDS.reduce((s, y) => s + w[y], 0);
    expect(value(new CrossEntropyLoss({ classWeights: w }), LOGITS, IDS)).toBeCloseTo(num / den, 5);
  });

  it('gives one-hot soft targets the same loss as class ids (with smoothing and weights)', () => {
    const onehot = IDS.map((y) => [0, 1, 2].map((c) => (c === y ? 1 : 0)));
    for (const opts of [{}, { labelSmoothing: 0.2 }, { classWeights: [0.3, 1, 2] }]) {
      const loss = new CrossEntropyLoss(opts);
      expect(value(loss, LOGITS, onehot)).toBeCloseTo(value(loss, LOGITS, IDS), 6);
    }
  });

  it('computes soft-target (MixUp) loss as -Σ t·log p', () => {
    const soft = [
      [0.7, 0.3, 0],
      [0, 0.5, 0.5],
      [0.25, 0.25, 0.5],
    ];
    const per = soft.map((t, i) => -logSoftmax(LOGITS[i]).reduce((s, l, c) => s + t[c] * l, 0));
    expect(value(new CrossEntropyLoss(), LOGITS, soft)).toBeCloseTo(per.reduce((a, b) => a + b) / 3, 5);
  });

  it('stays finite with finite gradients at logits of ±1e4', () => {
    const loss = new CrossEntropyLoss({ labelSmoothing: 0.1 });
    const logits = tf.tensor2d([
      [1e4, -1e4, 0],
      [-1e4, 1e4, 1e4],
    ]);
    const targets = tf.tensor1d([1, 0], 'int32');
    const v = loss.compute(logits, targets);
    const g = tf.grad((x: tf.Tensor) => loss.compute(x as tf.Tensor2D, targets))(logits);
    expect(Number.isFinite(v.dataSync()[0])).toBe(true);
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    // Row 0 is wrong by 2e4 (loss ≈ 0.9·2e4 + smoothing terms), row 1 half right: the mean is large.
    expect(v.dataSync()[0]).toBeGreaterThan(1000);
    tf.dispose([logits, targets, v, g]);
  });

  it('refuses mismatched shapes and wrong classWeights length', () => {
    const loss = new CrossEntropyLoss({ classWeights: [1, 1] });
    expect(() => value(loss, LOGITS, IDS)).toThrow(/classWeights.*2 values.*3 classes/);
    expect(() => value(new CrossEntropyLoss(), LOGITS, [0, 1])).toThrow(/2 class ids for a batch of 3/);
    expect(() => value(new CrossEntropyLoss(), LOGITS, [[1, 0]])).toThrow(/must match/);
  });

  it('rejects unknown options', () => {
    expect(() => new CrossEntropyLoss({ labelSmothing: 0.1 } as never)).toThrow();
  });
});
