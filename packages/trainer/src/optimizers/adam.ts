import * as tf from '@kiln/contracts/tf';
import { KILN_KERNELS, type AdamAttrs } from '@kiln/contracts';
import { z, type ComponentContext } from '@kiln/core';
import { hasKilnKernel, runKilnKernel } from '@kiln/models';
import { BaseOptimizer } from './optimizer';

export const adamOptionsShape = {
  lr: z.number().positive().default(0.001),
  betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]),
  eps: z.number().positive().default(1e-8),
};

const optionsSchema = z.object({ ...adamOptionsShape, weightDecay: z.number().min(0).default(0) }).strict();
export type AdamOptions = z.input<typeof optionsSchema>;

/**
 * Adam with PyTorch semantics: `weightDecay` is L2 (added to the gradient), bias correction
 * `p -= lr/(1-β1^t) · m / (sqrt(v)/sqrt(1-β2^t) + eps)`.
 */
export class Adam extends BaseOptimizer {
  static readonly type: string = 'adam';
  static readonly optionsSchema: z.ZodType = optionsSchema;
  static readonly description: string = 'Adam with L2 weight decay (PyTorch semantics)';
  protected readonly betas: [number, number];
  protected readonly eps: number;
  protected readonly weightDecay: number;
  /** L2 (Adam) or decoupled (AdamW). */
  protected readonly decoupled: boolean = false;

  constructor(options: AdamOptions = {}, _context: ComponentContext = {}) {
    const o = optionsSchema.parse(options);
    super(o.lr);
    this.betas = o.betas;
    this.eps = o.eps;
    this.weightDecay = o.weightDecay;
  }

  protected update(name: string, p: tf.Variable, grad: tf.Tensor, t: number): void {
    const [b1, b2] = this.betas;
    if (hasKilnKernel(KILN_KERNELS.ApplyAdam)) {
      // One fused kernel per variable (the backend's C++ update); same slots, same numbers.
      const m = this.slot(name, 'exp_avg', p);
      const v = this.slot(name, 'exp_avg_sq', p);
      const attrs: AdamAttrs = {
        lr: this.lr, beta1: b1, beta2: b2, epsilon: this.eps, step: t, weightDecay: this.weightDecay, decoupled: this.decoupled,
      };
      const [pNext, mNext, vNext] = runKilnKernel(KILN_KERNELS.ApplyAdam, { param: p, grad, m, v }, attrs) as tf.Tensor[];
      p.assign(pNext);
      m.assign(mNext);
      v.assign(vNext);
      return;
    }
    let g = grad;
    if (this.weightDecay > 0) {
      if (this.decoupled) p.assign(p.mul(1 - this.lr * this.weightDecay));
      else g = g.add(p.mul(this.weightDecay));
    }
    const m = this.slot(name, 'exp_avg', p);
    const v = this.slot(name, 'exp_avg_sq', p);
    const mNext = m.mul(b1).add(g.mul(1 - b1));
    const vNext = v.mul(b2).add(g.square().mul(1 - b2));
    m.assign(mNext);
    v.assign(vNext);
    const stepSize = this.lr / (1 - Math.pow(b1, t));
    const denom = vNext.sqrt().div(Math.sqrt(1 - Math.pow(b2, t))).add(this.eps);
    p.assign(p.sub(mNext.div(denom).mul(stepSize)));
  }
}
