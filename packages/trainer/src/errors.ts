import { KilnError } from '@kiln/core';

/** The loss became NaN or ±Inf; raised before the optimizer step so weights stay finite. */
export class NonFiniteLossError extends KilnError {
  constructor(
    readonly value: number,
    readonly epoch: number,
    readonly step: number,
    readonly batchIdx: number,
  ) {
    const what = Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
    super(
      `loss is ${what} at epoch ${epoch}, step ${step} (batch ${batchIdx}). ` +
        'Lower the learning rate, enable gradientClipNorm, or check the inputs of that batch.',
    );
  }
}

/** SIGINT/SIGTERM stopped training after the current step; `last.ckpt` holds the state. */
export class TrainingInterruptedError extends KilnError {
  override readonly exitCode: number;
  constructor(
    readonly signal: 'SIGINT' | 'SIGTERM',
    readonly checkpointPath: string | undefined,
  ) {
    const saved = checkpointPath ? `; saved ${checkpointPath} (resume with trainer.resume=auto)` : '';
    super(`training interrupted by ${signal}${saved}`);
    this.exitCode = signal === 'SIGINT' ? 130 : 143;
  }
}

/** A checkpoint file is unreadable, truncated or does not fit the model. */
export class CheckpointError extends KilnError {}
