import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { KdLoss } from './kd';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Hand-computed reference in plain numbers (no tfjs): softmax, KL and CE written out.
const softmax = (row: number[], T: number) => {
  const z = row.map((x) => x / T);
  const m = Math.max(...z);
  const e = z.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b);
  return e.map((x) => x / s);
};
const STUDENT = [
  [2, 0, -1],
  [0.5, 1, -0.5],
];
const TEACHER = [
  [3, -1, 0],
  [-1, 2, 0.5],
];
const LABELS = [0, 2];

function reference(T: number, alpha: number): { kd: number; ce: number; total: number } {
  let kd = 0;
  let ce = 0;
  STUDENT.forEach((s, i) => {
    const pt = softmax(TEACHER[i], T);
    const ps = softmax(s, T);
    kd += pt.reduce((acc, p, c) => acc + p * Math.log(p / ps[c]), 0);
    ce += -Math.log(softmax(s, 1)[LABELS[i]]);
  });
  kd = (kd / STUDENT.length) * T * T;
  ce /= STUDENT.length;
  return { kd, ce, total: alpha * kd + (1 - alpha) * ce };
}

function run(options: { temperature: number; alpha: number }, withTeacher = true) {
  const parts: Record<string, number> = {};
  const loss = new KdLoss(options);
  const value = loss.compute(tf.tensor2d(STUDENT), tf.tensor1d(LABELS, 'int32'), {
    teacherLogits: withTeacher ? tf.tensor2d(TEACHER) : undefined,
    record: (name, v) => (parts[name] = v.dataSync()[0]),
  });
  return { value: value.dataSync()[0], parts };
}

describe('KdLoss', () => {
  it('matches the hand-computed alpha·T²·KL + (1-alpha)·CE and records both terms', () => {
    for (const T of [1, 2, 4]) {
      const ref = reference(T, 0.7);
      const { value, parts } = run({ temperature: T, alpha: 0.7 });
      expect(value).toBeCloseTo(ref.total, 5);
      expect(parts.kd_loss).toBeCloseTo(ref.kd, 5);
      expect(parts.ce_loss).toBeCloseTo(ref.ce, 5);
    }
  });

  it('scales the soft term by T² (KL at T=4 times 16)', () => {
    const { parts } = run({ temperature: 4, alpha: 1 });
    const T = 4;
    let kl = 0;
    STUDENT.forEach((s, i) => {
      const pt = softmax(TEACHER[i], T);
      const ps = softmax(s, T);
      kl += pt.reduce((acc, p, c) => acc + p * Math.log(p / ps[c]), 0);
    });
    expect(parts.kd_loss / (kl / 2)).toBeCloseTo(16, 4);
  });

  it('alpha=0 is the hard-label cross-entropy, alpha=1 the soft term alone', () => {
    const ref = reference(3, 0);
    expect(run({ temperature: 3, alpha: 0 }).value).toBeCloseTo(ref.ce, 5);
    expect(run({ temperature: 3, alpha: 1 }).value).toBeCloseTo(ref.kd, 5);
  });

  it('is zero in the soft term when the student matches the teacher, and CE without teacher logits', () => {
    const loss = new KdLoss({ temperature: 2, alpha: 1 });
    const same = loss.compute(tf.tensor2d(TEACHER), tf.tensor1d(LABELS, 'int32'), { teacherLogits: tf.tensor2d(TEACHER) });
    expect(same.dataSync()[0]).toBeCloseTo(0, 6);
    expect(run({ temperature: 2, alpha: 0.9 }, false).value).toBeCloseTo(reference(2, 0.9).ce, 5);
  });

  it('gives the gradient of the formula to the student logits', () => {
    const loss = new KdLoss({ temperature: 2, alpha: 0.5 });
    const teacher = tf.tensor2d(TEACHER);
    const y = tf.tensor1d(LABELS, 'int32');
    const g = tf.grad((s: tf.Tensor) => loss.compute(s as tf.Tensor2D, y, { teacherLogits: teacher }))(tf.tensor2d(STUDENT));
    // d/ds of alpha·T²·KL/n is alpha·T·(ps - pt)/n; of (1-alpha)·CE/n is (1-alpha)·(p - onehot)/n.
    const expected = STUDENT.map((s, i) => {
      const ps = softmax(s, 2);
      const pt = softmax(TEACHER[i], 2);
      const p = softmax(s, 1);
      return s.map((_, c) => (0.5 * 2 * (ps[c] - pt[c]) + 0.5 * (p[c] - (c === LABELS[i] ? 1 : 0))) / 2);
    });
    const got = g.arraySync() as number[][];
    got.flat().forEach((v, i) => expect(v).toBeCloseTo(expected.flat()[i], 5));
  });

  it('refuses teacher logits of another shape and options out of range', () => {
    const loss = new KdLoss();
    expect(() => loss.compute(tf.tensor2d(STUDENT), tf.tensor1d(LABELS, 'int32'), { teacherLogits: tf.zeros([2, 4]) as tf.Tensor2D })).toThrow(
      /teacher logits have shape \[2, 4\]/,
    );
    expect(() => new KdLoss({ alpha: 1.5 })).toThrow();
    expect(() => new KdLoss({ temperature: 0 })).toThrow();
    expect(new KdLoss({ teacher: 'ema' }).teacher).toBe('ema');
  });
});
