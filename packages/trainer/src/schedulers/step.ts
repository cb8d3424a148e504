import { z, type ComponentContext } from '@kiln/core';
import { intervalSchema, PositionScheduler } from './scheduler';

const optionsSchema = z
  .object({
    stepSize: z.number().int().positive(),
    gamma: z.number().positive().default(0.1),
    interval: intervalSchema.default('epoch'),
  })
  .strict();
export type StepOptions = z.input<typeof optionsSchema>;

/** torch StepLR: `lr = base·gamma^floor(t / stepSize)`. */
export class StepScheduler extends PositionScheduler {
  static readonly type = 'step';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Multiply the LR by gamma every stepSize epochs (or steps)';
  readonly interval: 'step' | 'epoch';
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: StepOptions, _context: ComponentContext = {}) {
    super();
    this.options = optionsSchema.parse(options);
    this.interval = this.options.interval;
  }

  lrAt(t: number): number {
    return this.context.baseLr * Math.pow(this.options.gamma, Math.floor(t / this.options.stepSize));
  }
}
