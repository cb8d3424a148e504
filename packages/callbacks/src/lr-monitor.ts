import { z, type ComponentContext } from '@kiln/core';
import { Callback, type TrainBatchEnd, type TrainerView } from '@kiln/contracts';

const optionsSchema = z
  .object({
    /** `epoch`: one line per epoch; `step`: one line every `everyNSteps` optimizer steps. */
    interval: z.enum(['epoch', 'step']).default('epoch'),
    everyNSteps: z.number().int().positive().default(50),
  })
  .strict();
export type LrMonitorOptions = z.input<typeof optionsSchema>;

export interface LrSample {
  epoch: number;
  step: number;
  lr: number;
}

/**
 * Prints the learning rate (`lr_monitor: epoch 3 step 1200 lr=1.000e-3`) and keeps every sample in
 * `history`, which other code may read. The trainer itself already logs `lr` into the metrics
 * that `csv_logger` and `tensorboard` write, so this callback only reports it.
 */
export class LrMonitor extends Callback {
  static readonly type = 'lr_monitor';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Log the learning rate per epoch or every N steps';

  readonly options: z.output<typeof optionsSchema>;
  readonly history: LrSample[] = [];

  constructor(options: LrMonitorOptions = {}, _context: ComponentContext = {}) {
    super();
    this.options = optionsSchema.parse(options);
  }

  override onTrainEpochStart(trainer: TrainerView): void {
    if (this.options.interval === 'epoch') this.record(trainer);
  }

  override onTrainBatchEnd(trainer: TrainerView, _batch: TrainBatchEnd): void {
    if (this.options.interval === 'step' && trainer.globalStep % this.options.everyNSteps === 0) this.record(trainer);
  }

  private record(trainer: TrainerView): void {
    const sample: LrSample = { epoch: trainer.epoch, step: trainer.globalStep, lr: trainer.learningRate };
    this.history.push(sample);
    if (trainer.isGlobalZero) {
      trainer.logger.info(`lr_monitor: epoch ${sample.epoch} step ${sample.step} lr=${formatLr(sample.lr)}`);
    }
  }
}

/** `1.000e-3` style: learning rates span decades, so exponent notation reads best. */
export function formatLr(lr: number): string {
  return Number.isFinite(lr) ? lr.toExponential(3).replace('e+', 'e') : String(lr);
}
