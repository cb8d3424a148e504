import { silentLogger, z, type ComponentContext, type Logger } from '@kiln/core';
import type { LrScheduler, ScheduleContext } from './scheduler';

const optionsSchema = z
  .object({
    monitor: z.string().default('val/loss'),
    mode: z.enum(['min', 'max']).default('min'),
    factor: z.number().gt(0).lt(1).default(0.1),
    patience: z.number().int().min(0).default(10),
    threshold: z.number().min(0).default(1e-4),
    thresholdMode: z.enum(['rel', 'abs']).default('rel'),
    cooldown: z.number().int().min(0).default(0),
    minLr: z.number().min(0).default(0),
  })
  .strict();
export type ReduceOnPlateauOptions = z.input<typeof optionsSchema>;

/** torch ReduceLROnPlateau, observing `monitor` after each validation. */
export class ReduceOnPlateauScheduler implements LrScheduler {
  static readonly type = 'reduce_on_plateau';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Multiply the LR by factor when the monitored metric stops improving';
  readonly interval = 'epoch' as const;
  readonly options: z.output<typeof optionsSchema>;
  private readonly logger: Logger;
  private lr = 0;
  private best: number;
  private numBadEpochs = 0;
  private cooldownCounter = 0;
  private warnedMissing = false;

  constructor(options: ReduceOnPlateauOptions = {}, context: ComponentContext = {}) {
    this.options = optionsSchema.parse(options);
    this.logger = context.logger ?? silentLogger;
    this.best = this.options.mode === 'min' ? Infinity : -Infinity;
  }

  setup(context: ScheduleContext): void {
    if (this.lr === 0) this.lr = context.baseLr;
  }

  lrAt(_t: number): number {
    return this.lr;
  }

  private isBetter(a: number): boolean {
    const { mode, threshold, thresholdMode } = this.options;
    if (mode === 'min') return thresholdMode === 'rel' ? a < this.best * (1 - threshold) : a < this.best - threshold;
    return thresholdMode === 'rel' ? a > this.best * (1 + threshold) : a > this.best + threshold;
  }

  observe(metrics: Readonly<Record<string, number>>): void {
    const value = metrics[this.options.monitor];
    if (value === undefined || !Number.isFinite(value)) {
      if (!this.warnedMissing) {
        this.logger.warn(
          `reduce_on_plateau: monitor '${this.options.monitor}' not in metrics (${Object.keys(metrics).join(', ')}); LR unchanged`,
        );
        this.warnedMissing = true;
      }
      return;
    }
    if (this.isBetter(value)) {
      this.best = value;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.options.patience) {
      const next = Math.max(this.lr * this.options.factor, this.options.minLr);
      if (this.lr - next > 1e-8) {
        this.logger.info(`reduce_on_plateau: ${this.options.monitor} stalled; lr ${this.lr} → ${next}`);
        this.lr = next;
      }
      this.cooldownCounter = this.options.cooldown;
      this.numBadEpochs = 0;
    }
  }

  stateDict(): Record<string, unknown> {
    return { lr: this.lr, best: this.best, numBadEpochs: this.numBadEpochs, cooldownCounter: this.cooldownCounter };
  }

  loadStateDict(state: Record<string, unknown>): void {
    // JSON turns ±Infinity into null.
    const num = (v: unknown, fallback: number) => (typeof v === 'number' ? v : fallback);
    this.lr = num(state.lr, this.lr);
    this.best = num(state.best, this.options.mode === 'min' ? Infinity : -Infinity);
    this.numBadEpochs = num(state.numBadEpochs, 0);
    this.cooldownCounter = num(state.cooldownCounter, 0);
  }
}
