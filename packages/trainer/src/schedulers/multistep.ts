import { z, type ComponentContext } from '@kiln/core';
import { intervalSchema, PositionScheduler } from './scheduler';

const optionsSchema = z
  .object({
    milestones: z.array(z.number().int().min(0)).min(1),
    gamma: z.number().positive().default(0.1),
    interval: intervalSchema.default('epoch'),
  })
  .strict();
export type MultiStepOptions = z.input<typeof optionsSchema>;

/** torch MultiStepLR: `lr = base·gamma^(number of milestones ≤ t)`. */
export class MultiStepScheduler extends PositionScheduler {
  static readonly type = 'multistep';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Multiply the LR by gamma at each milestone epoch (or step)';
  readonly interval: 'step' | 'epoch';
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: MultiStepOptions, _context: ComponentContext = {}) {
    super();
    this.options = optionsSchema.parse(options);
    this.interval = this.options.interval;
  }

  lrAt(t: number): number {
    const passed = this.options.milestones.filter((m) => m <= t).length;
    return this.context.baseLr * Math.pow(this.options.gamma, passed);
  }
}
