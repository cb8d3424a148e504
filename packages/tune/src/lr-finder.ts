import { silentLogger, type Logger } from '@kiln/core';
import { Callback, NonFiniteLossError, type LrScheduler, type TrainBatchEnd, type TrainerView } from '@kiln/trainer';
import { LrCurve, smoothingFor, suggestLr, sweepLr, type LrPoint } from './lr-curve';
import type { TuneParts } from './tune-parts';

export interface LrFindOptions {
  minLr: number;
  maxLr: number;
  steps: number;
  /** Stop once the smoothed loss exceeds this × the best smoothed loss (Lightning: 4). */
  divergeFactor?: number;
  /** EMA factor of the smoothed loss (default `smoothingFor(steps)`; Lightning: 0.98). */
  beta?: number;
  logger?: Logger;
}

export interface LrFindResult {
  points: LrPoint[];
  /** Suggested LR (steepest descent of the smoothed loss), undefined when too few steps ran. */
  suggestion?: number;
  suggestionIndex?: number;
  /** LR of the lowest smoothed loss (fastai's rule of thumb: train at about a tenth of it). */
  lowestLossLr?: number;
  /** Why the sweep ended before `steps`: the loss diverged (or became NaN/Inf). */
  diverged: boolean;
  minLr: number;
  maxLr: number;
  steps: number;
}

/** The exponential LR sweep as a step schedule, so the trainer sets each step's LR itself. */
class ExponentialSweep implements LrScheduler {
  readonly interval = 'step' as const;
  constructor(private readonly o: LrFindOptions) {}
  setup(): void {}
  lrAt(t: number): number {
    return sweepLr(t, this.o.steps, this.o.minLr, this.o.maxLr);
  }
  stateDict(): Record<string, unknown> {
    return {};
  }
  loadStateDict(): void {}
}

class SweepDiverged extends Error {}

/** Records one point per optimizer step (mean of its accumulated batches) and stops on divergence. */
class SweepRecorder extends Callback {
  private lastStep = 0;
  private lossSum = 0;
  private batches = 0;
  constructor(readonly curve: LrCurve) {
    super();
  }
  override onTrainBatchEnd(trainer: TrainerView, batch: TrainBatchEnd): void {
    this.lossSum += batch.loss;
    this.batches++;
    if (trainer.globalStep === this.lastStep) return;
    this.lastStep = trainer.globalStep;
    const loss = this.lossSum / this.batches;
    this.lossSum = 0;
    this.batches = 0;
    if (this.curve.add(trainer.learningRate, loss)) throw new SweepDiverged();
  }
}

/**
 * The learning-rate range test (Smith 2015; Lightning's `lr_find`): `steps` optimizer steps
 * with the LR rising exponentially from `minLr` to `maxLr`, on the run's own model, data,
 * loss and optimizer through the run's trainer (built with `maxSteps = steps`, see
 * `buildTuneParts`). The weights it leaves are spoiled by the high LRs: callers dispose them.
 */
export async function findLr(parts: TuneParts, options: LrFindOptions): Promise<LrFindResult> {
  if (!(options.minLr > 0) || !(options.maxLr > options.minLr)) throw new RangeError(`lr range: need 0 < minLr < maxLr (got ${options.minLr}, ${options.maxLr})`);
  if (!Number.isInteger(options.steps) || options.steps < 2) throw new RangeError(`lr range: steps must be an integer ≥ 2 (got ${options.steps})`);
  const logger = options.logger ?? silentLogger;
  const curve = new LrCurve(options.beta ?? smoothingFor(options.steps), options.divergeFactor ?? 4);
  if (parts.trainer.options.maxSteps !== options.steps) {
    throw new RangeError(`lr range: the trainer runs ${parts.trainer.options.maxSteps} steps, the sweep ${options.steps} (build the parts with maxSteps = steps)`);
  }
  logger.debug(`lr sweep: ${options.steps} steps`);
  let diverged = false;
  try {
    await parts.trainer.fit({
      model: parts.model,
      loss: parts.loss,
      optimizer: parts.optimizer,
      scheduler: new ExponentialSweep(options),
      data: parts.data,
      callbacks: { lr_sweep: new SweepRecorder(curve) },
    });
  } catch (err) {
    if (!(err instanceof SweepDiverged) && !(err instanceof NonFiniteLossError)) throw err;
    diverged = true;
  }
  const points = curve.points;
  const suggestion = suggestLr(points);
  const lowest = points.reduce<LrPoint | undefined>((best, p) => (!best || p.smoothed < best.smoothed ? p : best), undefined);
  return { points, suggestion: suggestion?.lr, suggestionIndex: suggestion?.index, lowestLossLr: lowest?.lr, diverged, minLr: options.minLr, maxLr: options.maxLr, steps: options.steps };
}
