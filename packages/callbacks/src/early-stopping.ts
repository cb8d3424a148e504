import { z, type ComponentContext } from '@kiln/core';
import { Callback, type TrainerView } from '@kiln/contracts';
import { freshMetrics } from './epoch-end';
import { describeMissing, isImprovement, monitorModeSchema, worstScore } from './monitor';

const optionsSchema = z
  .object({
    monitor: z.string().min(1).default('val/loss'),
    mode: monitorModeSchema.default('min'),
    /** Epochs without improvement before stopping. */
    patience: z.number().int().min(0).default(3),
    /** An improvement must beat the best by more than this (absolute). */
    minDelta: z.number().min(0).default(0),
    /** At fit end, put back the weights of the best epoch (kept in memory). */
    restoreBestWeights: z.boolean().default(false),
    /** Stop at once when the monitored value is NaN or infinite. */
    checkFinite: z.boolean().default(true),
  })
  .strict();
export type EarlyStoppingOptions = z.input<typeof optionsSchema>;

/**
 * Stops training (`trainer.shouldStop = true`) when the monitored metric has not improved by more
 * than `minDelta` for `patience` checks. A `val/*` monitor is checked after each validation (so
 * patience counts validations when `checkValEveryNEpoch` > 1); any other metric at train epoch end.
 * Every rank decides alike because the metrics are aggregated over workers.
 */
export class EarlyStopping extends Callback {
  static readonly type = 'early_stopping';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Stop when a monitored metric stops improving';

  readonly options: z.output<typeof optionsSchema>;
  /** Epochs since the last improvement. */
  wait = 0;
  bestScore: number;
  bestEpoch = -1;
  /** Epoch at which training was stopped, -1 while running. */
  stoppedEpoch = -1;
  /** Why training stopped, for logs and reports. */
  stopReason: string | undefined;
  private bestWeights: Map<string, Float32Array> | undefined;
  private warnedMissing = false;

  constructor(options: EarlyStoppingOptions = {}, _context: ComponentContext = {}) {
    super();
    this.options = optionsSchema.parse(options);
    this.bestScore = worstScore(this.options.mode);
  }

  private get monitorsValidation(): boolean {
    return this.options.monitor.startsWith('val/');
  }

  override onTrainEpochEnd(trainer: TrainerView, metrics: Record<string, number>): void {
    // A val/* monitor without validation data is reported missing here, once.
    if (!this.monitorsValidation || trainer.valBatchesPerEpoch === 0) this.check(trainer, { ...freshMetrics(trainer), ...metrics });
  }

  override onValidationEnd(trainer: TrainerView, metrics: Record<string, number>): void {
    if (this.monitorsValidation) this.check(trainer, { ...freshMetrics(trainer), ...metrics });
  }

  private check(trainer: TrainerView, metrics: Record<string, number>): void {
    const { monitor, mode, patience, minDelta, checkFinite, restoreBestWeights } = this.options;
    const log = trainer.isGlobalZero ? trainer.logger : undefined;
    const value = metrics[monitor];
    if (value === undefined) {
      if (!this.warnedMissing) log?.warn(`early_stopping: ${describeMissing(monitor, Object.keys(metrics))}; never stops`);
      this.warnedMissing = true;
      return;
    }
    if (checkFinite && !Number.isFinite(value)) {
      this.stop(trainer, `${monitor}=${value} is not finite at epoch ${trainer.epoch}`);
      return;
    }
    if (isImprovement(value, this.bestScore, mode, minDelta)) {
      this.bestScore = value;
      this.bestEpoch = trainer.epoch;
      this.wait = 0;
      if (restoreBestWeights) this.bestWeights = cloneWeights(trainer.getWeights());
      return;
    }
    this.wait += 1;
    log?.debug(`early_stopping: ${monitor}=${value}, best ${this.bestScore} at epoch ${this.bestEpoch} (${this.wait}/${patience})`);
    if (this.wait >= patience) {
      const by = minDelta > 0 ? ` by more than ${minDelta}` : '';
      this.stop(
        trainer,
        `${monitor} did not improve${by} for ${this.wait} epochs (best ${this.bestScore} at epoch ${this.bestEpoch}, ${mode})`,
      );
    }
  }

  private stop(trainer: TrainerView, reason: string): void {
    trainer.shouldStop = true;
    this.stoppedEpoch = trainer.epoch;
    this.stopReason = reason;
    if (trainer.isGlobalZero) trainer.logger.info(`early_stopping: stopping after epoch ${trainer.epoch}: ${reason}`);
  }

  override onFitEnd(trainer: TrainerView): void {
    if (!this.options.restoreBestWeights || !this.bestWeights) return;
    trainer.setWeights(cloneWeights(this.bestWeights));
    if (trainer.isGlobalZero) {
      trainer.logger.info(`early_stopping: restored the weights of epoch ${this.bestEpoch} (${this.options.monitor}=${this.bestScore})`);
    }
  }

  /** Weights stay out of the state: checkpoints hold them already, and they would double its size. */
  override stateDict(): Record<string, unknown> {
    return {
      wait: this.wait,
      bestScore: Number.isFinite(this.bestScore) ? this.bestScore : null,
      bestEpoch: this.bestEpoch,
      stoppedEpoch: this.stoppedEpoch,
    };
  }

  override loadStateDict(state: Record<string, unknown>): void {
    const s = stateSchema.parse(state);
    this.wait = s.wait;
    this.bestScore = s.bestScore ?? worstScore(this.options.mode);
    this.bestEpoch = s.bestEpoch;
    this.stoppedEpoch = s.stoppedEpoch;
  }
}

const stateSchema = z.object({
  wait: z.number().int().min(0),
  bestScore: z.number().nullable(),
  bestEpoch: z.number().int(),
  stoppedEpoch: z.number().int(),
});

function cloneWeights(weights: Map<string, Float32Array>): Map<string, Float32Array> {
  return new Map([...weights].map(([name, w]) => [name, w.slice()]));
}
