import { Callback, type TrainerView } from '@kiln/trainer';
import { EpochEndTracker, type EpochRecord } from './epoch-end';

/**
 * Base of callbacks that act once per finished epoch (checkpoints, CSV rows, TensorBoard epoch
 * scalars, the progress summary). Subclasses implement `onEpochComplete`; those that also override
 * `onTrainEpochStart`, `onTrainEpochEnd`, `onValidationEnd` or `onFitEnd` must call `super`.
 */
export abstract class EpochEndCallback extends Callback {
  private readonly epochEnds = new EpochEndTracker();

  protected abstract onEpochComplete(trainer: TrainerView, epoch: EpochRecord): void | Promise<void>;

  override async onTrainEpochStart(trainer: TrainerView): Promise<void> {
    const previous = this.epochEnds.flush();
    if (previous) await this.onEpochComplete(trainer, previous);
  }

  override async onTrainEpochEnd(trainer: TrainerView, metrics: Record<string, number>): Promise<void> {
    const done = this.epochEnds.trainEnded(trainer, metrics);
    if (done) await this.onEpochComplete(trainer, done);
  }

  override async onValidationEnd(trainer: TrainerView, metrics: Record<string, number>): Promise<void> {
    await this.onEpochComplete(trainer, this.epochEnds.validationEnded(trainer, metrics));
  }

  override async onFitEnd(trainer: TrainerView): Promise<void> {
    const last = this.epochEnds.flush();
    if (last) await this.onEpochComplete(trainer, last);
  }
}
