import { KILN_KERNELS } from '@kiln/contracts';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { rand, relErr } from './__fixtures__/compare.js';
import { nativeReady } from './__fixtures__/setup.js';
import { nativeKernelStats } from './kernel-util.js';

const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) =>
  tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];

/** Reference LayerNorm from tfjs ops (biased variance, as PyTorch). */
function refLayerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b);
}
const refGelu = (x: tf.Tensor, approximate: boolean) => approximate
  ? tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))))
  : tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));

function close(got: tf.Tensor | Float32Array, want: tf.Tensor | Float32Array, tol = 2e-5): void {
  const g = got instanceof Float32Array ? got : (got.dataSync() as Float32Array);
  const w = want instanceof Float32Array ? want : (want.dataSync() as Float32Array);
  expect(g.length).toBe(w.length);
  expect(relErr(g, w)).toBeLessThanOrEqual(tol);
}

describe.skipIf(!nativeReady)('Kiln fused kernels (contracts) against reference formulas', () => {
  it('KilnLayerNorm forward and gradients (dx, dgamma, dbeta)', async () => {
    await tf.setBackend('native');
    tf.tidy(() => {
      for (const [shape, eps] of [[[4, 16, 24], 1e-5], [[7, 33], 1e-6], [[2, 3, 5, 8], 1e-3]] as const) {
        const c = shape[shape.length - 1];
        const x = tf.tensor(rand((shape as readonly number[]).reduce((a, b) => a * b, 1), 3).map((v) => v * 3 + 1), [...shape]);
        const g = tf.tensor(rand(c, 4)), b = tf.tensor(rand(c, 5));
        const w = tf.tensor(rand(x.size, 6), x.shape);
        close(run(KILN_KERNELS.LayerNorm, { x, gamma: g, beta: b }, { epsilon: eps }) as tf.Tensor, refLayerNorm(x, g, b, eps));
        const f = (k: (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor) => tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(k(xx, gg, bb), w)))([x, g, b]);
        const got = f((xx, gg, bb) => run(KILN_KERNELS.LayerNorm, { x: xx, gamma: gg, beta: bb }, { epsilon: eps }) as tf.Tensor);
        const want = f((xx, gg, bb) => refLayerNorm(xx, gg, bb, eps));
        got.forEach((t, i) => close(t, want[i], 1e-4));
      }
    });
  });

  it('KilnBatchNormTrain: output, batch statistics and gradients (also through mean and variance)', async () => {
    await tf.setBackend('native');
    const refBn = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number) => {
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const { mean, variance } = tf.moments(x, axes);
      return [tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), g), b), mean, variance];
    };
    tf.tidy(() => {
      // [64, 16, 16, 8]: 131k elements, the threaded path with float partials flushed to double; offset 50 checks the shifted variance.
      for (const [shape, eps, offset] of [[[64, 16, 16, 8], 1e-5, 50], [[7, 3], 1e-3, 0], [[2, 5, 5, 33], 1e-5, -3]] as const) {
        const c = shape[shape.length - 1];
        const size = (shape as readonly number[]).reduce((a, b) => a * b, 1);
        const x = tf.tensor(rand(size, 21).map((v) => v * 2 + offset), [...shape]);
        const g = tf.tensor(rand(c, 22)), b = tf.tensor(rand(c, 23));
        const attrs = { epsilon: eps };
        const got = run(KILN_KERNELS.BatchNormTrain, { x, gamma: g, beta: b }, attrs) as tf.Tensor[];
        refBn(x, g, b, eps).forEach((t, i) => close(got[i], t, 1e-4));
        // A loss over y and the statistics, so every input gradient term is exercised.
        const w = tf.tensor(rand(size, 24), x.shape), wm = tf.tensor(rand(c, 25)), wv = tf.tensor(rand(c, 26));
        const loss = (outs: tf.Tensor[]) => tf.addN([tf.sum(tf.mul(outs[0], w)), tf.sum(tf.mul(outs[1], wm)), tf.sum(tf.mul(outs[2], wv))]);
        const dGot = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => loss(run(KILN_KERNELS.BatchNormTrain, { x: xx, gamma: gg, beta: bb }, attrs) as tf.Tensor[]))([x, g, b]);
        const dWant = tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => loss(refBn(xx, gg, bb, eps)))([x, g, b]);
        dGot.forEach((t, i) => close(t, dWant[i], 2e-4));
        // Only y reaches the loss (the layer's case): statistics' zero gradients are skipped.
        const yOnly = tf.grads((xx: tf.Tensor) => tf.sum(tf.mul((run(KILN_KERNELS.BatchNormTrain, { x: xx, gamma: g, beta: b }, attrs) as tf.Tensor[])[0], w)))([x]);
        close(yOnly[0], tf.grads((xx: tf.Tensor) => tf.sum(tf.mul(refBn(xx, g, b, eps)[0], w)))([x])[0], 2e-4);
      }
    });
    expect(() => run(KILN_KERNELS.BatchNormTrain, { x: tf.zeros([2, 4]), gamma: tf.ones([3]), beta: tf.zeros([3]) }, { epsilon: 1e-5 }))
      .toThrow(/KilnBatchNormTrain: gamma and beta need 4 values/);
  });

  it('KilnGelu exact and tanh forms, forward and gradient', async () => {
    await tf.setBackend('native');
    tf.tidy(() => {
      const x = tf.tensor(rand(3000, 9).map((v) => v * 6), [30, 100]);
      for (const approximate of [false, true]) {
        close(run(KILN_KERNELS.Gelu, { x }, { approximate }) as tf.Tensor, refGelu(x, approximate));
        const got = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(run(KILN_KERNELS.Gelu, { x: v }, { approximate }) as tf.Tensor, v)))(x);
        const want = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(refGelu(v, approximate), v)))(x);
        close(got, want, 1e-5);
      }
    });
  });

  const n = 1000;
  const P = rand(n, 11), G = rand(n, 12), M = rand(n, 13).map((v) => v * 0.1), V = rand(n, 14).map((v) => Math.abs(v) * 0.01);

  it('KilnApplyAdam: Adam (L2) and AdamW (decoupled) with bias correction, inputs unchanged', async () => {
    await tf.setBackend('native');
    for (const decoupled of [false, true]) {
      const a = { lr: 0.01, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, step: 3, weightDecay: 0.05, decoupled };
      const ts = [P, G, M, V].map((d) => tf.tensor(d));
      const [p2, m2, v2] = run(KILN_KERNELS.ApplyAdam, { param: ts[0], grad: ts[1], m: ts[2], v: ts[3] }, a) as tf.Tensor[];
      const ep = new Float32Array(n), em = new Float32Array(n), ev = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let p = P[i];
        const g = decoupled ? G[i] : G[i] + a.weightDecay * p;
        if (decoupled) p *= 1 - a.lr * a.weightDecay;
        em[i] = a.beta1 * M[i] + (1 - a.beta1) * g;
        ev[i] = a.beta2 * V[i] + (1 - a.beta2) * g * g;
        const bc1 = 1 - a.beta1 ** a.step, bc2 = 1 - a.beta2 ** a.step;
        ep[i] = p - (a.lr / bc1) * em[i] / (Math.sqrt(ev[i]) / Math.sqrt(bc2) + a.epsilon);
      }
      close(p2, ep, 1e-6); close(m2, em, 1e-6); close(v2, ev, 1e-6);
      close(ts[0], P, 0); close(ts[2], M, 0); close(ts[3], V, 0);
      tf.dispose([...ts, p2, m2, v2]);
    }
  });

  it('KilnApplySgd: plain, momentum (first and later steps), nesterov, dampening, weight decay', async () => {
    await tf.setBackend('native');
    for (const a of [
      { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0.01, firstStep: false },
      { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0, firstStep: true },
      { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 5e-4, firstStep: false },
      { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 5e-4, firstStep: false },
    ]) {
      const ts = [P, G, M].map((d) => tf.tensor(d));
      const inputs: Record<string, tf.Tensor> = { param: ts[0], grad: ts[1] };
      if (a.momentum > 0 && !a.firstStep) inputs.velocity = ts[2];
      const outs = run(KILN_KERNELS.ApplySgd, inputs, a) as tf.Tensor[];
      expect(outs.length).toBe(a.momentum > 0 ? 2 : 1);
      const ep = new Float32Array(n), eb = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let g = G[i] + a.weightDecay * P[i];
        if (a.momentum > 0) {
          eb[i] = a.firstStep ? g : a.momentum * M[i] + (1 - a.dampening) * g;
          g = a.nesterov ? g + a.momentum * eb[i] : eb[i];
        }
        ep[i] = P[i] - a.lr * g;
      }
      close(outs[0], ep, 1e-6);
      if (a.momentum > 0) close(outs[1], eb, 1e-6);
      close(ts[0], P, 0);
      tf.dispose([...ts, ...outs]);
    }
  });

  it('KilnApplyRmsProp: plain, momentum, centered', async () => {
    await tf.setBackend('native');
    for (const [momentum, centered] of [[0, false], [0.9, false], [0.5, true]] as const) {
      const a = { lr: 0.01, alpha: 0.99, epsilon: 1e-8, momentum, centered, weightDecay: 0.01 };
      const ts = [P, G, V, M, M.map((v) => v * 0.01)].map((d) => tf.tensor(d));
      const inputs: Record<string, tf.Tensor> = { param: ts[0], grad: ts[1], squareAvg: ts[2] };
      if (momentum > 0) inputs.momentumBuf = ts[3];
      if (centered) inputs.gradAvg = ts[4];
      const outs = run(KILN_KERNELS.ApplyRmsProp, inputs, a) as tf.Tensor[];
      expect(outs.length).toBe(2 + (momentum > 0 ? 1 : 0) + (centered ? 1 : 0));
      const GA = ts[4].dataSync();
      const ep = new Float32Array(n), es = new Float32Array(n), eb = new Float32Array(n), eg = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const g = G[i] + a.weightDecay * P[i];
        es[i] = a.alpha * V[i] + (1 - a.alpha) * g * g;
        let avg = Math.sqrt(es[i]) + a.epsilon;
        if (centered) {
          eg[i] = a.alpha * GA[i] + (1 - a.alpha) * g;
          avg = Math.sqrt(es[i] - eg[i] * eg[i]) + a.epsilon;
        }
        if (momentum > 0) {
          eb[i] = momentum * M[i] + g / avg;
          ep[i] = P[i] - a.lr * eb[i];
        } else ep[i] = P[i] - a.lr * g / avg;
      }
      close(outs[0], ep, 1e-5); close(outs[1], es, 1e-6);
      if (momentum > 0) close(outs[2], eb, 1e-5);
      if (centered) close(outs[outs.length - 1], eg, 1e-6);
      tf.dispose([...ts, ...outs]);
    }
  });

  it('are registered on native only, counted native', () => {
    for (const k of Object.values(KILN_KERNELS)) {
      expect(tf.getKernel(k, 'native'), k).toBeDefined();
      expect(tf.getKernel(k, 'cpu'), k).toBeUndefined();
      expect(nativeKernelStats()[k]?.native ?? 0, k).toBeGreaterThan(0);
    }
    expect(tf.getGradient(KILN_KERNELS.LayerNorm)).toBeDefined();
    expect(tf.getGradient(KILN_KERNELS.Gelu)).toBeDefined();
  });
});

describe.skipIf(!nativeReady)('Kiln fused kernels reject bad inputs with a clear error', () => {
  it('names the kernel, the shapes and the problem', async () => {
    await tf.setBackend('native');
    const x = tf.ones([2, 4]), g = tf.ones([3]), b = tf.ones([4]);
    expect(() => run(KILN_KERNELS.LayerNorm, { x, gamma: g, beta: b }, { epsilon: 1e-5 })).toThrow(/KilnLayerNorm: gamma and beta need 4 values/);
    expect(() => run(KILN_KERNELS.ApplyAdam, { param: x, grad: b, m: x, v: x }, { lr: 1, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, step: 1, weightDecay: 0, decoupled: false }))
      .toThrow(/KilnApplyAdam does not support these inputs \(param:float32\[2,4\] grad:float32\[4\]/);
    tf.dispose([x, g, b]);
  });
});
