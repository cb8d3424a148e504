import * as tf from '@tensorflow/tfjs';
import { KILN_KERNELS } from '@kiln/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchNorm } from './batch-norm';
import { Gelu, geluOps } from './gelu';
import { hasKilnKernel } from './kiln-kernel';
import { LayerNorm, layerNormOps } from './layer-norm';
import { MultiHeadAttention } from './multi-head-attention';
import { ReLU } from './relu';
import { ReLU6 } from './relu6';
import { ResidualAdd } from './residual-add';
import { maxRelDiff, testBackends, useBackend } from './__fixtures__/test-backends';

const TOL = 2e-5;

/** Builds `layer` on `shape` and copies `like`'s weights into it (same order). */
function sameWeights(layer: tf.layers.Layer, ref: tf.layers.Layer, shape: number[]): void {
  layer.build(shape);
  layer.setWeights(ref.getWeights());
}

/** Gradients of sum(f(x) · w) w.r.t. x and every variable in `vars`. */
function gradsOf(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, w: tf.Tensor, vars: tf.Variable[]) {
  return tf.tidy(() => {
    const loss = () => tf.sum(tf.mul(f(x), w)) as tf.Scalar;
    const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(f(xi), w)))(x);
    if (!vars.length) return { y: tf.keep(f(x)), dx: tf.keep(dx), dvars: [] as tf.Tensor[] };
    const { grads } = tf.variableGrads(loss, vars);
    return { y: tf.keep(f(x)), dx: tf.keep(dx), dvars: vars.map((v) => tf.keep(grads[v.name])) };
  });
}

afterEach(() => tf.disposeVariables());

describe.each(testBackends())('Kiln layers on %s', (backend) => {
  it('LayerNorm equals tfjs-layers LayerNormalization (forward and gradients)', async () => {
    await useBackend(backend);
    const shape = [3, 5, 8];
    const x = tf.randomNormal(shape, 0.5, 2, 'float32', 1);
    const w = tf.randomNormal(shape, 0, 1, 'float32', 2);
    const ref = tf.layers.layerNormalization({ epsilon: 1e-5 });
    ref.build(shape);
    ref.setWeights([tf.randomNormal([8], 1, 0.3, 'float32', 3), tf.randomNormal([8], 0, 0.3, 'float32', 4)]);
    const ours = new LayerNorm({ epsilon: 1e-5 });
    sameWeights(ours, ref, shape);
    const a = gradsOf((t) => ours.apply(t) as tf.Tensor, x, w, ours.trainableWeights.map((v) => v.read() as tf.Variable));
    const b = gradsOf((t) => ref.apply(t) as tf.Tensor, x, w, ref.trainableWeights.map((v) => v.read() as tf.Variable));
    expect(maxRelDiff(a.y, b.y)).toBeLessThan(TOL);
    expect(maxRelDiff(a.dx, b.dx)).toBeLessThan(1e-4);
    a.dvars.forEach((g, i) => expect(maxRelDiff(g, b.dvars[i])).toBeLessThan(1e-4));
    // A changed input must change the output (the comparison above is not vacuous).
    expect(maxRelDiff(a.y, x)).toBeGreaterThan(1e-2);
  });

  it('LayerNorm standard-op path equals the fused path (when the backend has KilnLayerNorm)', async (ctx) => {
    await useBackend(backend);
    if (!hasKilnKernel(KILN_KERNELS.LayerNorm)) ctx.skip();
    const x = tf.randomNormal([4, 7, 16], 0, 3, 'float32', 5);
    const g = tf.randomNormal([16], 1, 0.2, 'float32', 6);
    const bt = tf.randomNormal([16], 0, 0.2, 'float32', 7);
    const w = tf.randomNormal([4, 7, 16], 0, 1, 'float32', 8);
    const f1 = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) =>
      tf.sum(tf.mul(tf.engine().runKernel(KILN_KERNELS.LayerNorm, { x: xi, gamma: gi, beta: bi }, { epsilon: 1e-6 }) as tf.Tensor, w)));
    const f2 = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(layerNormOps(xi, gi, bi, 1e-6), w)));
    const r1 = f1([x, g, bt]);
    const r2 = f2([x, g, bt]);
    r1.forEach((t, i) => expect(maxRelDiff(t, r2[i])).toBeLessThan(1e-4));
  });

  it.each([false, true])('Gelu (approximate=%s) equals tfjs gelu / gelu_new and its autodiff gradient', async (approximate) => {
    await useBackend(backend);
    const x = tf.randomNormal([6, 33], 0, 2.5, 'float32', 9);
    const w = tf.randomNormal([6, 33], 0, 1, 'float32', 10);
    const ref = tf.layers.activation({ activation: approximate ? ('gelu_new' as never) : ('gelu' as never) });
    const ours = new Gelu({ approximate });
    const a = gradsOf((t) => ours.apply(t) as tf.Tensor, x, w, []);
    const b = gradsOf((t) => ref.apply(t) as tf.Tensor, x, w, []);
    expect(maxRelDiff(a.y, b.y)).toBeLessThan(TOL);
    expect(maxRelDiff(a.dx, b.dx)).toBeLessThan(1e-4);
    // ops path alone, too (on a backend with KilnGelu the layer above ran the kernel)
    const c = gradsOf((t) => geluOps(t, approximate), x, w, []);
    expect(maxRelDiff(c.y, b.y)).toBeLessThan(TOL);
    expect(maxRelDiff(c.dx, b.dx)).toBeLessThan(1e-4);
  });

  it('ReLU6 equals tfjs ReLU({ maxValue: 6 }) forward and backward', async () => {
    await useBackend(backend);
    const x = tf.randomUniform([5, 40], -4, 10, 'float32', 11);
    const w = tf.randomNormal([5, 40], 0, 1, 'float32', 12);
    const a = gradsOf((t) => new ReLU6().apply(t) as tf.Tensor, x, w, []);
    const b = gradsOf((t) => tf.layers.reLU({ maxValue: 6 }).apply(t) as tf.Tensor, x, w, []);
    expect(maxRelDiff(a.y, b.y)).toBe(0);
    expect(maxRelDiff(a.dx, b.dx)).toBe(0);
    expect(a.y.max().dataSync()[0]).toBe(6);
  });

  it('MultiHeadAttention equals per-head attention built from standard ops (forward and gradients)', async () => {
    await useBackend(backend);
    const [bsz, t, dim, heads] = [2, 5, 12, 3];
    const dh = dim / heads;
    const x = tf.randomNormal([bsz, t, dim], 0, 1, 'float32', 13);
    const w = tf.randomNormal([bsz, t, dim], 0, 1, 'float32', 14);
    const layer = new MultiHeadAttention({ heads }, { kernelInitializer: tf.initializers.randomNormal({ stddev: 0.5, seed: 15 }) });
    layer.build([bsz, t, dim]);
    layer.setWeights([
      layer.getWeights()[0],
      tf.randomNormal([3 * dim], 0, 0.3, 'float32', 16),
      layer.getWeights()[2],
      tf.randomNormal([dim], 0, 0.3, 'float32', 17),
    ]);
    const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
    const [wqkv, bqkv, wo, bo] = vars;
    // Reference: per head h, columns [s·dim + h·dh, s·dim + (h+1)·dh) of the fused kernel are q/k/v (s = 0, 1, 2).
    const reference = (xi: tf.Tensor) => {
      const heads_: tf.Tensor[] = [];
      const proj = (s: number, h: number) =>
        tf.add(tf.matMul(tf.reshape(xi, [bsz * t, dim]), tf.slice(wqkv, [0, s * dim + h * dh], [dim, dh])), tf.slice(bqkv, [s * dim + h * dh], [dh]));
      for (let h = 0; h < heads; h++) {
        const [q, k, v] = [0, 1, 2].map((s) => tf.reshape(proj(s, h), [bsz, t, dh]));
        const att = tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh)));
        heads_.push(tf.matMul(att, v));
      }
      const cat = tf.reshape(tf.concat(heads_, -1), [bsz * t, dim]);
      return tf.reshape(tf.add(tf.matMul(cat, wo), bo), [bsz, t, dim]);
    };
    const a = gradsOf((xi) => layer.apply(xi) as tf.Tensor, x, w, vars);
    const b = gradsOf(reference, x, w, vars);
    expect(a.y.shape).toEqual([bsz, t, dim]);
    expect(maxRelDiff(a.y, b.y)).toBeLessThan(1e-4);
    expect(maxRelDiff(a.dx, b.dx)).toBeLessThan(1e-4);
    a.dvars.forEach((g, i) => expect(maxRelDiff(g, b.dvars[i]), vars[i].name).toBeLessThan(1e-4));
    expect(layer.countParams()).toBe(4 * dim * dim + 4 * dim);
  });

  it('BatchNorm equals tfjs-layers BatchNormalization (training forward, gradients, moving statistics, inference)', async () => {
    await useBackend(backend);
    const shape = [4, 3, 5, 6];
    const x = tf.randomNormal(shape, 1, 2, 'float32', 21);
    const w = tf.randomNormal(shape, 0, 1, 'float32', 22);
    const ref = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
    ref.build(shape);
    ref.setWeights([
      tf.randomNormal([6], 1, 0.3, 'float32', 23), tf.randomNormal([6], 0, 0.3, 'float32', 24),
      tf.randomNormal([6], 0, 0.3, 'float32', 25), tf.randomUniform([6], 0.5, 2, 'float32', 26),
    ]);
    const ours = new BatchNorm({ momentum: 0.9, epsilon: 1e-5 });
    sameWeights(ours, ref, shape);
    const train = (l: tf.layers.Layer) => (t: tf.Tensor) => l.apply(t, { training: true }) as tf.Tensor;
    const a = gradsOf(train(ours), x, w, ours.trainableWeights.map((v) => v.read() as tf.Variable));
    const b = gradsOf(train(ref), x, w, ref.trainableWeights.map((v) => v.read() as tf.Variable));
    expect(maxRelDiff(a.y, b.y)).toBeLessThan(TOL);
    expect(maxRelDiff(a.dx, b.dx)).toBeLessThan(1e-4);
    a.dvars.forEach((g, i) => expect(maxRelDiff(g, b.dvars[i])).toBeLessThan(1e-4));
    // Both applied the same number of training calls: the moving statistics agree, and they moved.
    const [oursW, refW] = [ours.getWeights(), ref.getWeights()];
    expect(maxRelDiff(oursW[2], refW[2])).toBeLessThan(1e-5);
    expect(maxRelDiff(oursW[3], refW[3])).toBeLessThan(1e-5);
    expect(maxRelDiff(oursW[3], tf.ones([6]))).toBeGreaterThan(1e-3);
    expect(maxRelDiff(ours.apply(x) as tf.Tensor, ref.apply(x) as tf.Tensor)).toBeLessThan(TOL);
    expect(ours.countParams()).toBe(24);
    expect(ours.trainableWeights.length).toBe(2);
  });

  it('ReLU (gradient from its output) equals tfjs ReLU forward and backward', async () => {
    await useBackend(backend);
    const x = tf.randomNormal([7, 30], 0, 1, 'float32', 31);
    const w = tf.randomNormal([7, 30], 0, 1, 'float32', 32);
    const a = gradsOf((t) => new ReLU().apply(t) as tf.Tensor, x, w, []);
    const b = gradsOf((t) => tf.layers.reLU().apply(t) as tf.Tensor, x, w, []);
    expect(maxRelDiff(a.y, b.y)).toBe(0);
    expect(maxRelDiff(a.dx, b.dx)).toBe(0);
    expect(a.dx.abs().sum().dataSync()[0]).toBeGreaterThan(0);
  });

  it('ResidualAdd equals tfjs Add forward and backward, and refuses different shapes', async () => {
    await useBackend(backend);
    const x = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 33);
    const z = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 34);
    const w = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 35);
    const ours = new ResidualAdd();
    // d/dx of sum(w · (x + x²)) through both inputs: w · (1 + 2x)
    const f = (l: tf.layers.Layer) => (t: tf.Tensor) => l.apply([t, tf.mul(t, t)]) as tf.Tensor;
    const a = gradsOf(f(ours), x, w, []);
    const b = gradsOf(f(tf.layers.add()), x, w, []);
    expect(maxRelDiff(a.y, b.y)).toBe(0);
    expect(maxRelDiff(a.dx, b.dx)).toBeLessThan(1e-6);
    expect(maxRelDiff((ours.apply([x, z]) as tf.Tensor), tf.add(x, z))).toBe(0);
    expect(() => new ResidualAdd().apply([x, tf.ones([3, 4, 1])])).toThrow(/shapes/);
  });

  it('MultiHeadAttention refuses a width not divisible by heads', async () => {
    await useBackend(backend);
    expect(() => new MultiHeadAttention({ heads: 5 }).build([1, 4, 12])).toThrow(/divisible/);
  });
});

describe('BatchNorm checkpoint compatibility', () => {
  it("keeps tfjs BatchNormalization's weight names, order and shapes (old checkpoints restore by name or order)", () => {
    const build = (bn: tf.layers.Layer) => {
      const input = tf.input({ shape: [4, 4, 3] });
      return tf.model({ inputs: input, outputs: bn.apply(input) as tf.SymbolicTensor });
    };
    const ref = build(tf.layers.batchNormalization({ name: 'compat_bn_ref' }));
    const ours = build(new BatchNorm({ name: 'compat_bn_ours' }));
    const names = (m: tf.LayersModel) => m.weights.map((w) => `${w.originalName.split('/').pop()}:${w.shape}:${w.trainable}`);
    expect(names(ours)).toEqual(names(ref));
    expect(names(ours)).toEqual(['gamma:3:true', 'beta:3:true', 'moving_mean:3:false', 'moving_variance:3:false']);
  });
});
