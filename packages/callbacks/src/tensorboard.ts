import { join } from 'node:path';
import { z, type ComponentContext } from '@kiln/core';
import { Callback, type EpochEnd, type TrainBatchEnd, type TrainerView } from '@kiln/contracts';
import { EventFileWriter, type EventFileWriterOptions, type Scalar } from './event-file';

const optionsSchema = z
  .object({
    /** Write `train/loss` and `lr` every N optimizer steps (0: only per epoch). */
    logEveryNSteps: z.number().int().min(0).default(10),
    /** Folder under the run directory. */
    dirname: z.string().min(1).default('tensorboard'),
  })
  .strict();
export type TensorBoardOptions = z.input<typeof optionsSchema>;

/** Tags whose per-step values would clash with their epoch averages get this suffix at epoch end. */
const EPOCH_SUFFIX = '_epoch';

/**
 * Writes TensorBoard scalars to `<runDir>/tensorboard/events.out.tfevents.*`:
 * `train/loss` and `lr` every `logEveryNSteps` steps; when an epoch is complete its metrics
 * (`lr`, `train/*` with `train/loss` as `train/loss_epoch`, `val/*`) and `epoch`, at the global step. Rank 0 only;
 * nothing is written without a run dir. A resumed run adds a new file to the same folder, starting
 * with a SessionLog START event so TensorBoard drops the old events of the steps being redone.
 */
export class TensorBoardLogger extends Callback {
  static readonly type = 'tensorboard';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'TensorBoard event files with step and epoch scalars';

  readonly options: z.output<typeof optionsSchema>;
  private writer: EventFileWriter | undefined;
  private readonly writerOptions: EventFileWriterOptions;

  constructor(options: TensorBoardOptions = {}, _context: ComponentContext = {}, writerOptions: EventFileWriterOptions = {}) {
    super();
    this.options = optionsSchema.parse(options);
    this.writerOptions = writerOptions;
  }

  /** The event file being written, once training started. */
  get path(): string | undefined {
    return this.writer?.path;
  }

  override onFitStart(trainer: TrainerView): void {
    if (!trainer.runDir || !trainer.isGlobalZero || this.writer) return;
    this.writer = new EventFileWriter(join(trainer.runDir, this.options.dirname), this.writerOptions);
    if (trainer.globalStep > 0) this.writer.addSessionStart(trainer.globalStep); // resumed run
    trainer.logger.debug(`tensorboard: writing ${this.writer.path}`);
  }

  override onTrainBatchEnd(trainer: TrainerView, batch: TrainBatchEnd): void {
    const n = this.options.logEveryNSteps;
    if (!this.writer || n === 0 || trainer.globalStep % n !== 0) return;
    this.writer.addScalars(trainer.globalStep, [
      { tag: 'train/loss', value: batch.loss },
      { tag: 'lr', value: trainer.learningRate },
    ]);
  }

  override onEpochEnd(_trainer: TrainerView, epoch: EpochEnd): void {
    if (!this.writer) return;
    const all = epoch.metrics;
    const stepTags = this.options.logEveryNSteps > 0 ? new Set(['train/loss']) : new Set<string>();
    const scalars: Scalar[] = Object.keys(all)
      .sort()
      .map((key) => ({ tag: stepTags.has(key) ? key + EPOCH_SUFFIX : key, value: all[key]! }));
    scalars.push({ tag: 'epoch', value: epoch.epoch });
    this.writer.addScalars(epoch.step, scalars);
  }

  override onFitEnd(_trainer: TrainerView): void {
    this.close();
  }

  override onException(_trainer: TrainerView, _error: unknown): void {
    this.close();
  }

  close(): void {
    this.writer?.close();
    this.writer = undefined;
  }
}
