import { ConfigError, z, type ComponentContext } from '@kiln/core';
import { intervalSchema, PositionScheduler } from './scheduler';

const optionsSchema = z
  .object({
    warmupSteps: z.number().int().min(0).optional(),
    warmupEpochs: z.number().min(0).optional(),
    minLr: z.number().min(0).default(0),
    interval: intervalSchema.default('step'),
  })
  .strict()
  .refine((o) => o.warmupSteps === undefined || o.warmupEpochs === undefined, {
    message: 'give warmupSteps or warmupEpochs, not both',
  });
export type CosineOptions = z.input<typeof optionsSchema>;

/**
 * Linear warmup then cosine annealing to `minLr`. Warmup: `lr = base·(t+1)/W` for t < W.
 * After it, torch's CosineAnnealingLR closed form with `T_max = total - W`:
 * `minLr + (base - minLr)·(1 + cos(π·(t-W)/T_max))/2`.
 */
export class CosineScheduler extends PositionScheduler {
  static readonly type = 'cosine';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Linear warmup + cosine annealing';
  readonly interval: 'step' | 'epoch';
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: CosineOptions = {}, _context: ComponentContext = {}) {
    super();
    this.options = optionsSchema.parse(options);
    this.interval = this.options.interval;
  }

  /** Warmup length in this schedule's unit. */
  get warmup(): number {
    const { warmupSteps, warmupEpochs } = this.options;
    if (this.interval === 'step') {
      return warmupSteps ?? Math.round((warmupEpochs ?? 0) * this.context.stepsPerEpoch);
    }
    if (warmupSteps !== undefined && warmupSteps > 0) {
      throw new ConfigError("scheduler 'cosine': warmupSteps needs interval: step (use warmupEpochs)", {
        key: 'warmupSteps',
      });
    }
    return Math.round(warmupEpochs ?? 0);
  }

  lrAt(t: number): number {
    const base = this.context.baseLr;
    const w = this.warmup;
    if (t < w) return (base * (t + 1)) / w;
    const span = Math.max(1, this.total - w);
    const progress = Math.min(1, Math.max(0, (t - w) / span));
    const { minLr } = this.options;
    return minLr + ((base - minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
  }
}
