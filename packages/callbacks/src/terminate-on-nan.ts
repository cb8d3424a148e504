import { z, type ComponentContext } from '@kiln/core';
import { Callback, type TrainBatchEnd, type TrainerView } from '@kiln/contracts';
import { NonFiniteLossError } from '@kiln/trainer';

const optionsSchema = z.object({}).strict();
export type TerminateOnNanOptions = z.input<typeof optionsSchema>;

/**
 * Stops training as soon as a batch loss is NaN or infinite, by throwing the trainer's
 * `NonFiniteLossError` (naming epoch, step and batch). The trainer checks the loss too; this is the
 * explicit, Lightning-style switch, and it also covers losses the trainer reports but does not check.
 */
export class TerminateOnNan extends Callback {
  static readonly type = 'terminate_on_nan';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Stop when the training loss is NaN or infinite';

  constructor(options: TerminateOnNanOptions = {}, _context: ComponentContext = {}) {
    super();
    optionsSchema.parse(options);
  }

  override onTrainBatchEnd(trainer: TrainerView, batch: TrainBatchEnd): void {
    if (!Number.isFinite(batch.loss)) {
      throw new NonFiniteLossError(batch.loss, trainer.epoch, trainer.globalStep, batch.batchIdx);
    }
  }
}
