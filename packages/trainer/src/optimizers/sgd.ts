import * as tf from '@kiln/contracts/tf';
import { KILN_KERNELS, type SgdAttrs } from '@kiln/contracts';
import { z, type ComponentContext } from '@kiln/core';
import { hasKilnKernel, runKilnKernel } from '@kiln/models';
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
    if (hasKilnKernel(KILN_KERNELS.ApplySgd)) {
      const fresh = momentum > 0 && !this.hasSlot(name, 'momentum_buffer');
      const buf = momentum > 0 ? this.slot(name, 'momentum_buffer', p) : undefined;
      const attrs: SgdAttrs = { lr: this.lr, momentum, dampening, nesterov, weightDecay, firstStep: fresh };
      const inputs: Record<string, tf.Tensor> = buf ? { param: p, grad, velocity: buf } : { param: p, grad };
      const [pNext, bufNext] = runKilnKernel(KILN_KERNELS.ApplySgd, inputs, attrs) as tf.Tensor[];
      p.assign(pNext);
      if (buf) buf.assign(bufNext);
      return;
    }
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
