import * as tf from '@tensorflow/tfjs';
import { z, type ComponentContext } from '@kiln/core';
import { BaseOptimizer } from './optimizer';

const optionsSchema = z
  .object({
    lr: z.number().positive().default(0.01),
    momentum: z.number().min(0).max(1).default(0),
    dampening: z.number().min(0).max(1).default(0),
    nesterov: z.boolean().default(false),
    weightDecay: z.number().min(0).default(0),
  })
  .strict()
  .refine((o) => !o.nesterov || (o.momentum > 0 && o.dampening === 0), {
    message: 'nesterov needs momentum > 0 and dampening 0',
  });
export type SgdOptions = z.input<typeof optionsSchema>;

/**
 * SGD with PyTorch semantics: L2 weight decay is added to the gradient, the momentum buffer
 * starts as the first gradient (`buf = g`), then `buf = m·buf + (1-dampening)·g`; Nesterov
 * uses `g + m·buf`.
 */
export class Sgd extends BaseOptimizer {
  static readonly type = 'sgd';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'SGD with momentum, Nesterov and L2 weight decay (PyTorch semantics)';
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: SgdOptions = {}, _context: ComponentContext = {}) {
    const o = optionsSchema.parse(options);
    super(o.lr);
    this.options = o;
  }

  protected update(name: string, p: tf.Variable, grad: tf.Tensor): void {
    const { momentum, dampening, nesterov, weightDecay } = this.options;
    let g = weightDecay > 0 ? grad.add(p.mul(weightDecay)) : grad;
    if (momentum > 0) {
      const fresh = !this.hasSlot(name, 'momentum_buffer');
      const buf = this.slot(name, 'momentum_buffer', p);
      const next = fresh ? g : buf.mul(momentum).add(g.mul(1 - dampening));
      buf.assign(next);
      g = nesterov ? g.add(next.mul(momentum)) : next;
    }
    p.assign(p.sub(g.mul(this.lr)));
  }
}
