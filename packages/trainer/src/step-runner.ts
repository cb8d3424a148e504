import * as tf from '@kiln/contracts/tf';
import { KilnError } from '@kiln/core';
import type { Batch } from '@kiln/contracts';
import { isOutOfMemoryError } from '@kiln/engine';
import { batchGradients, type BatchGradients } from './batch-gradients';
import { allReduceGradients } from './distributed';
import type { WeightEma } from './ema';
import { NonFiniteLossError } from './errors';
import type { FitContext } from './fit-context';
import type { FitState } from './fit-state';
import type { GradScaler } from './grad-scaler';
import type { Teacher } from './teacher';
import { agreedSignal, stopFlags, type StopSignal } from './signals';
import { accumulate, clipByGlobalNorm, clipByValue, disposeGrads } from './gradients';

/**
 * Turns batches into optimizer steps: gradients (retried as smaller micro-batches on out of
 * memory), accumulation over `accumulateGradBatches`, the cross-rank average, clipping, the
 * scheduled LR, the optimizer update and EMA.
 */
export class StepRunner {
  private pending: Map<string, tf.Tensor> | undefined;
  private pendingBatches = 0;
  private pendingLossSum = 0;
  /** Sums of the loss terms (`kd_loss`, …) over the pending batches. */
  private pendingTerms: Record<string, number> = {};
  /** Set by a distributed step when any rank has received SIGINT/SIGTERM (all ranks then stop together). */
  agreedStop: StopSignal | undefined;

  constructor(
    private readonly ctx: FitContext,
    private readonly state: FitState,
    private readonly ema: () => WeightEma | undefined,
    /** This rank's pending stop signal; shared with the others in each step's all-reduce. */
    private readonly localStop: () => StopSignal | undefined = () => undefined,
    /** A distillation loss's teacher (`loss.teacher`). */
    private readonly teacher: () => Teacher | undefined = () => undefined,
  ) {}

  /** Gradients are waiting for the rest of an accumulation window. */
  get hasPending(): boolean {
    return this.pending !== undefined;
  }

  /** Gradients for one batch, accumulated; steps the optimizer at accumulation boundaries. Returns the batch loss. */
  async trainBatch(batch: Batch, b: number, last: boolean): Promise<number> {
    const { state } = this;
    const result = this.gradientsWithRetry(batch, b);
    const n = batch.shape[0];
    if (!this.ctx.comm && !Number.isFinite(result.loss)) {
      disposeGrads(result.grads);
      throw new NonFiniteLossError(result.loss, state.epoch, state.globalStep, b);
    }
    this.pending = accumulate(this.pending, result.grads);
    this.pendingBatches++;
    this.pendingLossSum += result.loss;
    for (const [k, v] of Object.entries(result.terms)) this.pendingTerms[k] = (this.pendingTerms[k] ?? 0) + v;
    state.epochSums.loss += result.loss * n;
    state.epochSums.correct += result.correct;
    state.epochSums.count += n;
    if (this.pendingBatches >= this.ctx.o.accumulateGradBatches || last) await this.step(b);
    return result.loss;
  }

  /** Steps on what is pending (an epoch that ended inside an accumulation window). */
  async flush(b: number): Promise<void> {
    if (this.pending) await this.step(b);
  }

  dispose(): void {
    disposeGrads(this.pending);
    this.pending = undefined;
  }

  private gradientsWithRetry(batch: Batch, b: number): BatchGradients {
    const { ctx, state } = this;
    const n = batch.shape[0];
    let micro = Math.min(state.microBatch ?? n, n);
    const task = {
      net: ctx.net,
      model: ctx.args.model,
      teacher: this.teacher(),
      loss: ctx.args.loss,
      vars: ctx.freeze.varsAt(state.epoch),
      numClasses: ctx.args.data.numClasses,
      // 16-mixed: the loss is scaled up so small fp16 gradients survive; unscaled in step().
      scale: (state.gradScaler?.scale ?? 1) / ctx.o.accumulateGradBatches,
      where: `train epoch ${state.epoch} batch ${b}`,
      profiler: ctx.profiler,
    };
    for (;;) {
      // Batch-norm statistics move during the forward pass; keep them to undo a failed attempt.
      const frozen = ctx.net.nonTrainableWeights.map((w) => tf.keep(w.read().clone()));
      try {
        const out = batchGradients(task, batch, micro);
        tf.dispose(frozen);
        return out;
      } catch (err) {
        if (!isOutOfMemoryError(err)) {
          tf.dispose(frozen);
          throw err;
        }
        tf.tidy(() => ctx.net.nonTrainableWeights.forEach((w, i) => w.write(frozen[i])));
        tf.dispose(frozen);
        const min = ctx.o.minBatchSize;
        if (micro <= min) {
          throw new KilnError(
            `out of memory at epoch ${state.epoch}, step ${state.globalStep} (batch ${b}) even with micro-batch ${micro}, ` +
              `the minimum (trainer.minBatchSize=${min}). Use a smaller model or input size, or fewer workers per device.`,
            { cause: err },
          );
        }
        const next = Math.max(min, Math.floor(micro / 2));
        ctx.logger.warn(
          `out of memory at epoch ${state.epoch}, step ${state.globalStep} (batch ${b}) with micro-batch ${micro}: ` +
            `retrying the same batch as micro-batches of ${next} (gradients accumulated, same effective batch)`,
        );
        micro = next;
        state.microBatch = next;
      }
    }
  }

  private async step(b: number): Promise<void> {
    const { ctx, state } = this;
    const { optimizer, scheduler } = ctx.args;
    let grads = this.pending!;
    const batches = this.pendingBatches;
    let loss = this.pendingLossSum / batches;
    this.pending = undefined;
    this.pendingBatches = 0;
    this.pendingLossSum = 0;
    // This rank's terms (logged only; the optimised loss is all-reduced below).
    const terms = Object.fromEntries(Object.entries(this.pendingTerms).map(([k, v]) => [`train/${k}`, v / batches]));
    this.pendingTerms = {};
    if (ctx.comm) {
      // The stop flags ride in the gradients' fused all-reduce: a signal seen by one rank stops all after this step.
      const reduced = await ctx.profiler.phase('allreduce', () => allReduceGradients(grads, [loss, ...stopFlags(this.localStop())], ctx.comm!));
      grads = reduced.grads;
      loss = reduced.scalars[0];
      this.agreedStop = agreedSignal(reduced.scalars.slice(1));
    }
    if (!Number.isFinite(loss)) {
      disposeGrads(grads);
      throw new NonFiniteLossError(loss, state.epoch, state.globalStep, b);
    }
    const scaler = state.gradScaler;
    // 16-mixed: unscaled before clipping (GradScaler.unscale_); undefined = inf/NaN, the step is skipped.
    // Every rank sees the same reduced gradients, so all skip together.
    const stepGrads = scaler ? this.unscaleOrSkip(scaler, grads) : grads;
    if (stepGrads) {
      grads = stepGrads;
      if (ctx.o.gradientClipVal !== null) grads = clipByValue(grads, ctx.o.gradientClipVal);
      if (ctx.o.gradientClipNorm !== null) grads = clipByGlobalNorm(grads, ctx.o.gradientClipNorm).grads;
      if (scheduler?.interval === 'step') optimizer.lr = scheduler.lrAt(state.globalStep);
      ctx.profiler.start('optimizer');
      optimizer.step(grads, ctx.freeze.varsAt(state.epoch));
      disposeGrads(grads);
      ctx.profiler.stop('optimizer');
      const ema = this.ema();
      if (ema) ctx.profiler.phase('ema', () => ema.update());
    }
    state.globalStep++;
    state.metrics = { ...state.metrics, ...terms, 'train/loss': loss, lr: optimizer.lr, epoch: state.epoch, step: state.globalStep };
    if (scaler) state.metrics['train/loss_scale'] = scaler.scale;
    if (!stepGrads) return;
    if (state.globalStep % ctx.o.logEveryNSteps === 0) {
      ctx.logger.info(`epoch ${state.epoch} step ${state.globalStep}: loss=${loss.toPrecision(4)} lr=${optimizer.lr.toPrecision(3)}`);
    }
  }

  /** The unscaled gradients, or undefined (gradients disposed, scale halved, WARN) when they hold inf/NaN. */
  private unscaleOrSkip(scaler: GradScaler, grads: Map<string, tf.Tensor>): Map<string, tf.Tensor> | undefined {
    const unscaled = scaler.unscale(grads);
    scaler.update(unscaled.finite);
    if (unscaled.finite) return unscaled.grads;
    if (scaler.skipped === 1 || scaler.skipped % 100 === 0) {
      this.ctx.logger.warn(
        `16-mixed: inf/NaN gradients at step ${this.state.globalStep}: optimizer step skipped, loss scale halved to ${scaler.scale} (${scaler.skipped} skipped so far)`,
      );
    }
    return undefined;
  }
}
