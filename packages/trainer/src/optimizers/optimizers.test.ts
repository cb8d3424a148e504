import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from './adam';
import { AdamW } from './adamw';
import type { Optimizer } from './optimizer';
import { RmsProp } from './rmsprop';
import { Sgd } from './sgd';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Runs `steps` optimizer steps on p (1-D) with fixed gradient sequence; returns p after each. */
function run(opt: Optimizer, p0: number[], grads: number[][]): number[][] {
  const v = tf.variable(tf.tensor1d(p0), true, `p_${Math.random().toString(36).slice(2)}`);
  const vars = new Map([['p', v]]);
  const out: number[][] = [];
  for (const g of grads) {
    const gt = tf.tensor1d(g);
    opt.step(new Map([['p', gt]]), vars);
    gt.dispose();
    out.push(Array.from(v.dataSync()));
  }
  v.dispose();
  return out;
}

/** Plain-number PyTorch reference of Adam/AdamW for one scalar parameter. */
function adamRef(p: number, grads: number[], lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean) {
  let m = 0;
  let v = 0;
  const out: number[] = [];
  grads.forEach((g0, i) => {
    const t = i + 1;
    let g = g0;
    if (decoupled) p *= 1 - lr * wd;
    else g += wd * p;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    const denom = Math.sqrt(v) / Math.sqrt(1 - b2 ** t) + eps;
    p -= (lr / (1 - b1 ** t)) * (m / denom);
    out.push(p);
  });
  return out;
}

describe('Sgd', () => {
  it('matches hand-computed torch values with momentum and weight decay', () => {
    const opt = new Sgd({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
    const out = run(opt, [1, 2], [[0.5, -1], [0.5, -1]]);
    expect(out[0][0]).toBeCloseTo(0.949, 6);
    expect(out[0][1]).toBeCloseTo(2.098, 6);
    expect(out[1][0]).toBeCloseTo(0.852151, 5);
    expect(out[1][1]).toBeCloseTo(2.284102, 5);
  });

  it('plain SGD is p -= lr·g', () => {
    const out = run(new Sgd({ lr: 0.5 }), [1], [[2]]);
    expect(out[0][0]).toBeCloseTo(0, 6);
  });

  it('nesterov uses g + m·buf', () => {
    // step1: buf = g = 1; update = g + 0.9·1 = 1.9 → p = 1 - 0.19 = 0.81
    const out = run(new Sgd({ lr: 0.1, momentum: 0.9, nesterov: true }), [1], [[1], [1]]);
    expect(out[0][0]).toBeCloseTo(0.81, 6);
    // step2: buf = 0.9 + 1 = 1.9; update = 1 + 0.9·1.9 = 2.71 → p = 0.81 - 0.271 = 0.539
    expect(out[1][0]).toBeCloseTo(0.539, 6);
  });

  it('rejects nesterov without momentum', () => {
    expect(() => new Sgd({ nesterov: true })).toThrow(/nesterov/);
  });
});

describe('Adam / AdamW', () => {
  const grads = [[0.3], [-0.1], [0.7], [0.2]];
  it('first Adam step moves by lr·sign(g)', () => {
    const out = run(new Adam({ lr: 0.01 }), [1], [[5]]);
    expect(out[0][0]).toBeCloseTo(0.99, 6);
  });
  it('Adam with L2 matches the torch reference', () => {
    const out = run(new Adam({ lr: 0.05, weightDecay: 0.1 }), [1], grads);
    const ref = adamRef(1, grads.map((g) => g[0]), 0.05, 0.9, 0.999, 1e-8, 0.1, false);
    out.forEach((o, i) => expect(o[0]).toBeCloseTo(ref[i], 5));
  });
  it('AdamW decays decoupled and defaults weightDecay to 0.01', () => {
    const opt = new AdamW({ lr: 0.05 });
    const out = run(opt, [1], grads);
    const ref = adamRef(1, grads.map((g) => g[0]), 0.05, 0.9, 0.999, 1e-8, 0.01, true);
    out.forEach((o, i) => expect(o[0]).toBeCloseTo(ref[i], 5));
    const l2 = adamRef(1, grads.map((g) => g[0]), 0.05, 0.9, 0.999, 1e-8, 0.01, false);
    expect(Math.abs(ref[3] - l2[3])).toBeGreaterThan(1e-7);
  });
});

describe('RmsProp', () => {
  it('matches the torch formula', () => {
    // sq = 0.01·g² = 0.04, avg = 0.2 → p = 1 - 0.01·2/0.2 = 0.9
    const out = run(new RmsProp({ lr: 0.01 }), [1], [[2]]);
    expect(out[0][0]).toBeCloseTo(0.9, 5);
  });
  it('momentum accumulates g/avg', () => {
    // step1: sq=0.04, avg=0.2, buf=10, p=1-0.1=0.9; step2: sq=0.99·0.04+0.04=0.0796, avg=0.28213, buf=0.5·10+2/0.28213=12.0888
    const out = run(new RmsProp({ lr: 0.01, momentum: 0.5 }), [1], [[2], [2]]);
    expect(out[1][0]).toBeCloseTo(0.9 - 0.01 * (5 + 2 / Math.sqrt(0.0796)), 5);
  });
});

describe('state dict', () => {
  it('resumes exactly: 2 steps + save/load + 2 steps equals 4 steps', async () => {
    const grads = [[0.3, 1], [-0.1, 0.5], [0.7, -0.2], [0.2, 0.1]];
    const full = run(new Adam({ lr: 0.1 }), [1, -1], grads);
    const a = new Adam({ lr: 0.1 });
    const first = run(a, [1, -1], grads.slice(0, 2));
    const state = await a.stateDict();
    expect(state.step).toBe(2);
    expect(Object.keys(state.slots).sort()).toEqual(['p#exp_avg', 'p#exp_avg_sq']);
    const b = new Adam({ lr: 0.1 });
    b.loadStateDict(state);
    const rest = run(b, first[1], grads.slice(2));
    expect(rest[1][0]).toBeCloseTo(full[3][0], 6);
    expect(rest[1][1]).toBeCloseTo(full[3][1], 6);
  });

  it('does not leak tensors per step', () => {
    const opt = new Sgd({ lr: 0.1, momentum: 0.9 });
    const v = tf.variable(tf.ones([3]));
    const vars = new Map([['v', v]]);
    const g = tf.ones([3]);
    opt.step(new Map([['v', g]]), vars);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) opt.step(new Map([['v', g]]), vars);
    expect(tf.memory().numTensors).toBe(before);
    opt.reset();
    expect(tf.memory().numTensors).toBe(before - 1);
    g.dispose();
    v.dispose();
  });
});
