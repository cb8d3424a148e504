import * as tf from '@tensorflow/tfjs';
import { KILN_KERNELS, type AdamAttrs, type RmsPropAttrs, type SgdAttrs } from '@kiln/contracts';
import { isNativeAvailable, registerNativeBackend } from '@kiln/backend-native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam } from './adam';
import { AdamW } from './adamw';
import type { Optimizer } from './optimizer';
import { RmsProp } from './rmsprop';
import { Sgd } from './sgd';
import { adamRef, rmspropRef, sgdRef, type RefState } from './torch-reference';

type Case = [string, () => Optimizer, (s: RefState, g: number[]) => void, string[]];

const CASES: Case[] = [
  ['adam', () => new Adam({ lr: 0.05, weightDecay: 0.1 }), (s, g) => adamRef(s, g, { lr: 0.05, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.1, decoupled: false }), ['exp_avg', 'exp_avg_sq']],
  ['adamw', () => new AdamW({ lr: 0.05, betas: [0.8, 0.99] }), (s, g) => adamRef(s, g, { lr: 0.05, b1: 0.8, b2: 0.99, eps: 1e-8, wd: 0.01, decoupled: true }), ['exp_avg', 'exp_avg_sq']],
  ['sgd', () => new Sgd({ lr: 0.1 }), (s, g) => sgdRef(s, g, { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, wd: 0 }), []],
  ['sgd momentum+dampening+wd', () => new Sgd({ lr: 0.1, momentum: 0.9, dampening: 0.3, weightDecay: 0.01 }),
    (s, g) => sgdRef(s, g, { lr: 0.1, momentum: 0.9, dampening: 0.3, nesterov: false, wd: 0.01 }), ['momentum_buffer']],
  ['sgd nesterov', () => new Sgd({ lr: 0.1, momentum: 0.9, nesterov: true }), (s, g) => sgdRef(s, g, { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: true, wd: 0 }), ['momentum_buffer']],
  ['rmsprop', () => new RmsProp({ lr: 0.01 }), (s, g) => rmspropRef(s, g, { lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, centered: false, wd: 0 }), ['square_avg']],
  ['rmsprop momentum+centered+wd', () => new RmsProp({ lr: 0.01, momentum: 0.5, centered: true, weightDecay: 0.05, alpha: 0.9 }),
    (s, g) => rmspropRef(s, g, { lr: 0.01, alpha: 0.9, eps: 1e-8, momentum: 0.5, centered: true, wd: 0.05 }), ['square_avg', 'momentum_buffer', 'grad_avg']],
];

const P0 = [1, -2, 0.5, 3];
const GRADS = [[0.3, 1, -0.5, 2], [-0.1, 0.5, 0.2, -1], [0.7, -0.2, 0.1, 0.4], [0.2, 0.1, -0.3, 0.5], [1.5, -0.7, 0.05, -0.2]];

/** Runs the optimizer and the PyTorch reference side by side; checks p and every slot after each step. */
async function expectTorchEqual([, make, ref, slots]: Case): Promise<void> {
  const opt = make();
  const v = tf.variable(tf.tensor1d(P0), true, `fused_p_${Math.random().toString(36).slice(2)}`);
  const vars = new Map([['p', v]]);
  const s: RefState = { p: [...P0], slots: {}, step: 0 };
  for (const g of GRADS) {
    const gt = tf.tensor1d(g);
    opt.step(new Map([['p', gt]]), vars);
    gt.dispose();
    ref(s, g);
    const got = Array.from(v.dataSync());
    got.forEach((x, i) => expect(x).toBeCloseTo(s.p[i], 5));
  }
  const state = await opt.stateDict();
  expect(Object.keys(state.slots).sort()).toEqual(slots.map((n) => `p#${n}`).sort());
  for (const n of slots) Array.from(state.slots[`p#${n}`]).forEach((x, i) => expect(x).toBeCloseTo(s.slots[n][i], 5));
  expect(state.step).toBe(GRADS.length);
  opt.reset();
  v.dispose();
}

describe('optimizers equal the PyTorch formulas on the standard-op path (cpu)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  it.each(CASES)('%s', async (...c) => {
    expect(tf.getKernel(KILN_KERNELS.ApplyAdam, 'cpu')).toBeUndefined();
    await expectTorchEqual(c);
  });
});

/**
 * JavaScript versions of the contract's kernels on `cpu`: the fused path of the optimizers
 * (inputs, attrs, output order, slot assignment) runs even where no native backend is built.
 * The kernels reuse the reference formulas, so the check is of the optimizers' plumbing.
 */
describe('optimizers on the fused-kernel path (contract kernels registered on cpu)', () => {
  const data = (t: tf.TensorInfo, backend: unknown) =>
    Array.from((backend as { readSync(id: unknown): Float32Array }).readSync(t.dataId));
  const out = (backend: unknown, values: number[][], shape: number[]) =>
    values.map((x) => (backend as { makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo }).makeTensorInfo(shape, 'float32', Float32Array.from(x)));
  const seen: string[] = [];
  beforeAll(async () => {
    await tf.setBackend('cpu');
    tf.registerKernel({
      kernelName: KILN_KERNELS.ApplyAdam, backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const a = attrs as unknown as AdamAttrs;
        seen.push(KILN_KERNELS.ApplyAdam);
        const s: RefState = { p: data(inputs.param, backend), slots: { exp_avg: data(inputs.m, backend), exp_avg_sq: data(inputs.v, backend) }, step: a.step - 1 };
        adamRef(s, data(inputs.grad, backend), { lr: a.lr, b1: a.beta1, b2: a.beta2, eps: a.epsilon, wd: a.weightDecay, decoupled: a.decoupled });
        return out(backend, [s.p, s.slots.exp_avg, s.slots.exp_avg_sq], inputs.param.shape);
      },
    });
    tf.registerKernel({
      kernelName: KILN_KERNELS.ApplySgd, backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const a = attrs as unknown as SgdAttrs;
        seen.push(KILN_KERNELS.ApplySgd);
        expect('velocity' in inputs).toBe(a.momentum > 0);
        const slots = a.momentum > 0 && !a.firstStep ? { momentum_buffer: data(inputs.velocity, backend) } : {};
        const s: RefState = { p: data(inputs.param, backend), slots, step: 0 };
        sgdRef(s, data(inputs.grad, backend), { lr: a.lr, momentum: a.momentum, dampening: a.dampening, nesterov: a.nesterov, wd: a.weightDecay });
        return out(backend, a.momentum > 0 ? [s.p, s.slots.momentum_buffer] : [s.p], inputs.param.shape);
      },
    });
    tf.registerKernel({
      kernelName: KILN_KERNELS.ApplyRmsProp, backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const a = attrs as unknown as RmsPropAttrs;
        seen.push(KILN_KERNELS.ApplyRmsProp);
        const slots: Record<string, number[]> = { square_avg: data(inputs.squareAvg, backend) };
        if (inputs.momentumBuf) slots.momentum_buffer = data(inputs.momentumBuf, backend);
        if (inputs.gradAvg) slots.grad_avg = data(inputs.gradAvg, backend);
        const s: RefState = { p: data(inputs.param, backend), slots, step: 0 };
        rmspropRef(s, data(inputs.grad, backend), { lr: a.lr, alpha: a.alpha, eps: a.epsilon, momentum: a.momentum, centered: a.centered, wd: a.weightDecay });
        const o = [s.p, s.slots.square_avg];
        if (inputs.momentumBuf) o.push(s.slots.momentum_buffer);
        if (inputs.gradAvg) o.push(s.slots.grad_avg);
        return out(backend, o, inputs.param.shape);
      },
    });
  });
  afterAll(() => {
    for (const k of [KILN_KERNELS.ApplyAdam, KILN_KERNELS.ApplySgd, KILN_KERNELS.ApplyRmsProp]) tf.unregisterKernel(k, 'cpu');
  });
  it.each(CASES)('%s', async (...c) => {
    seen.length = 0;
    await expectTorchEqual(c);
    expect(seen.length).toBe(GRADS.length); // one kernel call per variable and step, no op chain
  });
});

describe('optimizers on the native backend (its fused kernels, when registered)', () => {
  const native = isNativeAvailable() && registerNativeBackend({ priority: 0 });
  it.each(CASES)('%s', async (...c) => {
    const [name] = c;
    const kernel = name.startsWith('adam') ? KILN_KERNELS.ApplyAdam : name.startsWith('sgd') ? KILN_KERNELS.ApplySgd : KILN_KERNELS.ApplyRmsProp;
    if (!native || !tf.getKernel(kernel, 'native')) return; // not built / not registered yet: the cpu paths above cover the logic
    await tf.setBackend('native');
    await expectTorchEqual(c);
  });
});
