import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CrossEntropyLoss } from './cross-entropy';
import { FocalLoss } from './focal';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b);
  return e.map((x) => x / s);
}

const LOGITS = [
  [2, 0, -1],
  [0, 1, 0],
];
const IDS = [0, 2];

function value(loss: { compute: CrossEntropyLoss['compute'] }, logits: number[][], ids: number[] | number[][]): number {
  return tf.tidy(() => {
    const t = Array.isArray(ids[0]) ? tf.tensor2d(ids as number[][]) : tf.tensor1d(ids as number[], 'int32');
    return loss.compute(tf.tensor2d(logits), t as tf.Tensor1D).dataSync()[0];
  });
}

describe('focal', () => {
  it('matches -α(1-p)^γ log p computed by hand', () => {
    const per = IDS.map((y, i) => {
      const p = softmax(LOGITS[i])[y];
      return -Math.pow(1 - p, 2) * Math.log(p);
    });
    expect(value(new FocalLoss(), LOGITS, IDS)).toBeCloseTo((per[0] + per[1]) / 2, 6);
    // Hand check of row 0: p = e^2 / (e^2 + 1 + e^-1) = 0.8437947, loss = 0.1562053² · 0.1698460 = 0.0041442
    expect(per[0]).toBeCloseTo(0.0041442, 6);
  });

  it('applies scalar and per-class alpha', () => {
    const base = value(new FocalLoss({ gamma: 1 }), LOGITS, IDS);
    expect(value(new FocalLoss({ gamma: 1, alpha: 0.25 }), LOGITS, IDS)).toBeCloseTo(base * 0.25, 6);
    const per = IDS.map((y, i) => {
      const p = softmax(LOGITS[i])[y];
      return -[0.5, 1, 3][y] * (1 - p) * Math.log(p);
    });
    expect(value(new FocalLoss({ gamma: 1, alpha: [0.5, 1, 3] }), LOGITS, IDS)).toBeCloseTo((per[0] + per[1]) / 2, 6);
  });

  it('reduces to cross-entropy when γ = 0', () => {
    expect(value(new FocalLoss({ gamma: 0 }), LOGITS, IDS)).toBeCloseTo(value(new CrossEntropyLoss(), LOGITS, IDS), 6);
  });

  it('gives one-hot soft targets the loss of class ids', () => {
    expect(value(new FocalLoss(), LOGITS, [[1, 0, 0], [0, 0, 1]])).toBeCloseTo(value(new FocalLoss(), LOGITS, IDS), 6);
  });

  it('has finite values and gradients at logits of ±1e4, also for γ < 1', () => {
    for (const gamma of [0, 0.5, 2]) {
      const loss = new FocalLoss({ gamma });
      const logits = tf.tensor2d([
        [1e4, -1e4, 0],
        [-1e4, 1e4, 0],
      ]);
      const targets = tf.tensor1d([0, 0], 'int32');
      const v = loss.compute(logits, targets);
      const g = tf.grad((x: tf.Tensor) => loss.compute(x as tf.Tensor2D, targets))(logits);
      expect(Number.isFinite(v.dataSync()[0])).toBe(true);
      expect(Array.from(g.dataSync()).every(Number.isFinite), `gamma ${gamma}`).toBe(true);
      tf.dispose([logits, targets, v, g]);
    }
  });
});
