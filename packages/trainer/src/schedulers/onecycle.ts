import { z, type ComponentContext } from '@kiln/core';
import { PositionScheduler } from './scheduler';

const optionsSchema = z
  .object({
    /** Peak LR; defaults to the optimizer's lr. */
    maxLr: z.number().positive().optional(),
    pctStart: z.number().gt(0).lt(1).default(0.3),
    divFactor: z.number().positive().default(25),
    finalDivFactor: z.number().positive().default(1e4),
    /** Overrides the run's step count (default: from maxSteps or maxEpochs). */
    totalSteps: z.number().int().positive().optional(),
  })
  .strict();
export type OneCycleOptions = z.input<typeof optionsSchema>;

function cosineAnneal(start: number, end: number, pct: number): number {
  return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
}

/**
 * torch OneCycleLR (two phases, cosine annealing), stepped per optimizer step:
 * `maxLr/divFactor → maxLr` until step `pctStart·total - 1`, then `→ maxLr/divFactor/finalDivFactor`
 * at step `total - 1`.
 */
export class OneCycleScheduler extends PositionScheduler {
  static readonly type = 'onecycle';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'One-cycle policy (torch OneCycleLR)';
  readonly interval = 'step' as const;
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: OneCycleOptions = {}, _context: ComponentContext = {}) {
    super();
    this.options = optionsSchema.parse(options);
  }

  lrAt(t: number): number {
    const { pctStart, divFactor, finalDivFactor } = this.options;
    const total = this.options.totalSteps ?? this.context.totalSteps;
    const maxLr = this.options.maxLr ?? this.context.baseLr;
    const initial = maxLr / divFactor;
    const min = initial / finalDivFactor;
    const phases = [
      { end: pctStart * total - 1, from: initial, to: maxLr },
      { end: total - 1, from: maxLr, to: min },
    ];
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const p = phases[i];
      if (t <= p.end || i === phases.length - 1) {
        const span = p.end - start;
        const pct = span > 0 ? Math.min(1, (t - start) / span) : 1;
        return cosineAnneal(p.from, p.to, pct);
      }
      start = p.end;
    }
    return min;
  }
}
