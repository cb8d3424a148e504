import * as tf from '@kiln/contracts/tf';
import { KILN_KERNELS, type RmsPropAttrs } from '@kiln/contracts';
import { z, type ComponentContext } from '@kiln/core';
import { hasKilnKernel, runKilnKernel } from '@kiln/models';
import { BaseOptimizer } from './optimizer';

const optionsSchema = z
  .object({
    lr: z.number().positive().default(0.01),
    alpha: z.number().min(0).lt(1).optional(),
    /** Keras' name for `alpha`. */
    rho: z.number().min(0).lt(1).optional(),
    eps: z.number().positive().default(1e-8),
    momentum: z.number().min(0).max(1).default(0),
    centered: z.boolean().default(false),
    weightDecay: z.number().min(0).default(0),
  })
  .strict()
  .refine((o) => o.alpha === undefined || o.rho === undefined, { message: 'give alpha or rho, not both' });
export type RmsPropOptions = z.input<typeof optionsSchema>;

/**
 * RMSprop with PyTorch semantics: `sq = α·sq + (1-α)·g²`, `avg = sqrt(sq) + eps` (centered:
 * `sqrt(sq - ga²) + eps`), with momentum `buf = m·buf + g/avg; p -= lr·buf`, else `p -= lr·g/avg`.
 */
export class RmsProp extends BaseOptimizer {
  static readonly type = 'rmsprop';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'RMSprop with momentum and centered variant (PyTorch semantics)';
  readonly alpha: number;
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: RmsPropOptions = {}, _context: ComponentContext = {}) {
    const o = optionsSchema.parse(options);
    super(o.lr);
    this.options = o;
    this.alpha = o.alpha ?? o.rho ?? 0.99;
  }

  protected update(name: string, p: tf.Variable, grad: tf.Tensor): void {
    const { eps, momentum, centered, weightDecay } = this.options;
    const a = this.alpha;
    if (hasKilnKernel(KILN_KERNELS.ApplyRmsProp)) {
      const squareAvg = this.slot(name, 'square_avg', p);
      const momentumBuf = momentum > 0 ? this.slot(name, 'momentum_buffer', p) : undefined;
      const gradAvg = centered ? this.slot(name, 'grad_avg', p) : undefined;
      const inputs: Record<string, tf.Tensor> = { param: p, grad, squareAvg };
      if (momentumBuf) inputs.momentumBuf = momentumBuf;
      if (gradAvg) inputs.gradAvg = gradAvg;
      const attrs: RmsPropAttrs = { lr: this.lr, alpha: a, epsilon: eps, momentum, centered, weightDecay };
      const out = runKilnKernel(KILN_KERNELS.ApplyRmsProp, inputs, attrs) as tf.Tensor[];
      // Outputs: param', squareAvg', then momentumBuf' and gradAvg' when present.
      p.assign(out[0]);
      squareAvg.assign(out[1]);
      let i = 2;
      if (momentumBuf) momentumBuf.assign(out[i++]);
      if (gradAvg) gradAvg.assign(out[i]);
      return;
    }
    const g = weightDecay > 0 ? grad.add(p.mul(weightDecay)) : grad;
    const sq = this.slot(name, 'square_avg', p);
    const sqNext = sq.mul(a).add(g.square().mul(1 - a));
    sq.assign(sqNext);
    let avg: tf.Tensor;
    if (centered) {
      const ga = this.slot(name, 'grad_avg', p);
      const gaNext = ga.mul(a).add(g.mul(1 - a));
      ga.assign(gaNext);
      avg = sqNext.sub(gaNext.square()).sqrt().add(eps);
    } else {
      avg = sqNext.sqrt().add(eps);
    }
    if (momentum > 0) {
      const buf = this.slot(name, 'momentum_buffer', p);
      const next = buf.mul(momentum).add(g.div(avg));
      buf.assign(next);
      p.assign(p.sub(next.mul(this.lr)));
    } else {
      p.assign(p.sub(g.div(avg).mul(this.lr)));
    }
  }
}
