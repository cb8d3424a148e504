import { silentLogger, z, type ComponentContext, type Logger, type LogSink } from '@kiln/core';
import { Callback, type EpochEnd, type TrainBatchEnd, type TrainerView } from '@kiln/contracts';
import { formatDuration, formatMetrics, formatProgressLine } from './progress-format';

const optionsSchema = z
  .object({
    /** On a TTY, redraw the bar every N batches. */
    refreshRate: z.number().int().positive().default(1),
    /** Without a TTY, print a line every N batches (default: about 10% of an epoch). */
    logEvery: z.number().int().positive().optional(),
    /** Width of the bar in characters (TTY only). */
    barWidth: z.number().int().min(0).default(20),
  })
  .strict();
export type ProgressBarOptions = z.input<typeof optionsSchema>;

/** Where the bar goes; injectable for tests. */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}
export interface ProgressBarIo {
  stream?: ProgressOutput;
  /** Milliseconds clock. */
  now?: () => number;
}

const CLEAR_TO_END = '\x1b[K';

/**
 * Training progress: on a TTY one live line rewritten with `\r` (epoch, bar, step, running epoch loss,
 * latest validation metrics, images/s, ETA); otherwise (CI, pipes) a plain line every `logEvery`
 * batches. Each epoch ends with a summary line of all its metrics. Only rank 0 prints.
 */
export class ProgressBar extends Callback {
  static readonly type = 'progress_bar';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Live progress bar on a TTY, periodic lines otherwise';

  readonly options: z.output<typeof optionsSchema>;
  private readonly stream: ProgressOutput;
  private readonly now: () => number;
  private epochStart = 0;
  private images = 0;
  private lossSum = 0;
  private lossCount = 0;
  private barVisible = false;
  private lastBar = '';
  /** Attached to the trainer's logger on a TTY: a log line ends the bar's line, so redraw below it. */
  private readonly redrawAfterLog: LogSink = {
    write: () => {
      if (!this.barVisible) return;
      this.stream.write(this.lastBar);
    },
  };
  private attachedTo: Logger | undefined;
  private epochSeconds = 0;

  constructor(options: ProgressBarOptions = {}, _context: ComponentContext = {}, io: ProgressBarIo = {}) {
    super();
    this.options = optionsSchema.parse(options);
    this.stream = io.stream ?? process.stdout;
    this.now = io.now ?? (() => performance.now());
  }

  get isTTY(): boolean {
    return this.stream.isTTY === true;
  }

  override onTrainEpochStart(_trainer: TrainerView): void {
    this.epochStart = this.now();
    this.images = 0;
    this.lossSum = 0;
    this.lossCount = 0;
  }

  override onTrainBatchEnd(trainer: TrainerView, batch: TrainBatchEnd): void {
    this.images += batch.batchSize;
    if (Number.isFinite(batch.loss)) {
      this.lossSum += batch.loss;
      this.lossCount += 1;
    }
    if (!trainer.isGlobalZero) return;
    const step = batch.batchIdx + 1;
    const steps = trainer.trainBatchesPerEpoch;
    const last = step === steps;
    if (this.isTTY) {
      if (step % this.options.refreshRate !== 0 && !last) return;
      this.lastBar = `\r${this.line(trainer, step, this.options.barWidth)}${CLEAR_TO_END}`;
      this.stream.write(this.lastBar);
      this.barVisible = true;
      // The epoch's final bar stays as a history line; what the trainer logs next starts below it.
      if (last) this.endBar();
    } else {
      const every = this.options.logEvery ?? Math.max(1, Math.round(steps / 10));
      if (step % every === 0 || last) this.stream.write(`${this.line(trainer, step, 0)}\n`);
    }
  }

  private line(trainer: TrainerView, step: number, barWidth: number): string {
    const elapsed = (this.now() - this.epochStart) / 1000;
    const steps = trainer.trainBatchesPerEpoch;
    const val = Object.fromEntries(Object.entries(trainer.metrics).filter(([k]) => k.startsWith('val/')));
    return formatProgressLine(
      {
        epoch: trainer.epoch,
        maxEpochs: trainer.maxEpochs,
        step,
        steps,
        loss: this.lossCount ? this.lossSum / this.lossCount : undefined,
        metrics: val,
        imagesPerSecond: elapsed > 0 ? this.images / elapsed : NaN,
        etaSeconds: elapsed > 0 && step > 0 && steps >= step ? ((steps - step) * elapsed) / step : NaN,
      },
      barWidth,
    );
  }

  override onTrainEpochEnd(_trainer: TrainerView, _metrics: Record<string, number>): void {
    this.endBar();
    this.epochSeconds = (this.now() - this.epochStart) / 1000;
  }

  override onFitStart(trainer: TrainerView): void {
    if (!this.isTTY || !trainer.isGlobalZero || trainer.logger === silentLogger || this.attachedTo) return;
    trainer.logger.addSink(this.redrawAfterLog);
    this.attachedTo = trainer.logger;
  }

  override onFitEnd(_trainer: TrainerView): void {
    this.detach();
  }

  override onException(_trainer: TrainerView, _error: unknown): void {
    this.endBar(); // so the error starts on a fresh line
    this.detach();
  }

  private detach(): void {
    this.attachedTo?.removeSink(this.redrawAfterLog);
    this.attachedTo = undefined;
  }

  private endBar(): void {
    if (this.barVisible) this.stream.write('\n');
    this.barVisible = false;
  }

  /** One line per epoch: its duration (training, plus validation when it ran) and all its metrics. */
  override onEpochEnd(trainer: TrainerView, epoch: EpochEnd): void {
    if (!trainer.isGlobalZero) return;
    const seconds = epoch.validated ? (this.now() - this.epochStart) / 1000 : this.epochSeconds;
    const text = formatMetrics(epoch.metrics, Object.keys(epoch.metrics).sort());
    this.stream.write(`Epoch ${epoch.epoch + 1}/${trainer.maxEpochs} done in ${formatDuration(seconds)}: ${text}\n`);
  }
}
