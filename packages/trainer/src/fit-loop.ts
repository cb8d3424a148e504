import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { KilnError } from '@kiln/core';
import { batchGradients, type BatchGradients } from './batch-gradients';
import { callHook } from './callback';
import { loadCheckpoint } from './checkpoint';
import { allReduceGradients, allReduceSum, broadcastWeights } from './distributed';
import { WeightEma } from './ema';
import { NonFiniteLossError, TrainingInterruptedError } from './errors';
import { evaluate } from './evaluate';
import { accumulate, clipByGlobalNorm, clipByValue, disposeGrads } from './gradients';
import { formatMetrics, memoryLoader, resolveLimit, skipBatches, takeBatches } from './loop-helpers';
import { isOutOfMemoryError } from '@kiln/engine';
import { findResumeCheckpoint } from './resume';
import { SignalWatcher } from './signals';
import type { Batch, DataLoader } from './types';
import { FitState, isSetUp } from './fit-state';
import type { FitResult } from './fit-types';

/** One `fit` call: setup and resume, the epoch/batch loop, validation and fault handling. */
export class FitLoop extends FitState {
  async run(): Promise<FitResult> {
    this.signals = new SignalWatcher((sig) => this.logger.warn(`${sig} received: finishing the current step, then saving last.ckpt`));
    try {
      await this.prepare();
      await callHook(this.cbs, 'onFitStart', this.view);
      while (this.epoch < this.maxEpochs && !this.shouldStop && !this.stepsDone()) {
        await this.trainEpoch();
        if (this.shouldValidate()) await this.validate();
        else this.updateBest();
        await this.checkSignal();
        if (this.epoch + 1 >= this.maxEpochs || this.shouldStop || this.stepsDone()) break;
        this.epoch++;
      }
      await callHook(this.cbs, 'onFitEnd', this.view);
      return this.result();
    } catch (err) {
      if (!(err instanceof TrainingInterruptedError)) await this.reportException(err);
      throw err;
    } finally {
      this.signals.dispose();
      disposeGrads(this.pending);
      this.pending = undefined;
      this.ema?.dispose();
    }
  }

  private async reportException(err: unknown): Promise<void> {
    try {
      await callHook(this.cbs, 'onException', this.view, err);
    } catch (hookErr) {
      this.logger.error(`a callback failed in onException: ${(hookErr as Error).message}`);
    }
  }

  private async prepare(): Promise<void> {
    const { data } = this.args;
    if (!isSetUp(data)) await data.setup('fit');
    if (this.o.ema) this.ema = new WeightEma(this.net, this.o.ema.decay);
    const resumePath = this.fastDev ? undefined : findResumeCheckpoint(this.o.resume, this.args.runsRoot ?? 'outputs');
    if (this.o.resume === 'auto' && !resumePath) this.logger.info('resume=auto: no last.ckpt found; starting fresh');
    const ckpt = resumePath ? await loadCheckpoint(resumePath) : undefined;
    if (ckpt && ckpt.data && Object.keys(ckpt.data).length) data.loadStateDict(ckpt.data);
    const shard = this.comm ? { rank: this.rank, worldSize: this.worldSize } : undefined;
    this.trainLoader = data.trainLoader(shard);
    this.valLoader = data.valLoader(shard);
    const limitVal = this.fastDev || this.o.limitValBatches;
    if (this.o.overfitBatches > 0) {
      const cached = await takeBatches(this.trainLoader, Math.min(this.o.overfitBatches, this.trainLoader.length));
      this.trainLoader = memoryLoader(cached);
      this.valLoader = memoryLoader(cached);
      this.trainBatches = this.valBatches = cached.length;
      this.logger.info(`overfitBatches=${this.o.overfitBatches}: training and validating on the same ${cached.length} batches`);
    } else {
      this.trainBatches = resolveLimit(this.fastDev || this.o.limitTrainBatches, this.trainLoader.length);
      this.valBatches = this.valLoader ? resolveLimit(limitVal, this.valLoader.length) : 0;
    }
    const size = (l: DataLoader | undefined) => {
      const n = (l as { size?: unknown } | undefined)?.size;
      return typeof n === 'number' ? ` (${n} samples)` : '';
    };
    this.logger.info(
      `train: ${this.trainBatches} of ${this.trainLoader.length} batches/epoch${size(this.trainLoader)}; ` +
        `val: ${this.valBatches}${this.valLoader ? ` of ${this.valLoader.length}` : ''} batches${size(this.valLoader)}`,
    );
    if (this.trainBatches === 0) throw new KilnError('the training loader has no batches (is the training split empty?)');
    if (ckpt) this.restore(ckpt, resumePath!);
    if (this.comm) await broadcastWeights(this.net, this.comm);
    const stepsPerEpoch = Math.ceil(this.trainBatches / this.o.accumulateGradBatches);
    this.args.scheduler?.setup({
      baseLr: this.args.optimizer.baseLr,
      totalSteps: this.maxSteps ?? this.maxEpochs * stepsPerEpoch,
      totalEpochs: this.maxEpochs,
      stepsPerEpoch,
    });
    if (this.fastDev) this.logger.info(`fastDevRun: ${this.fastDev} batch(es) of train/val, 1 epoch, no files written`);
  }

  private async trainEpoch(): Promise<void> {
    const { optimizer, scheduler } = this.args;
    const first = this.startBatch;
    this.startBatch = 0;
    if (first === 0) this.epochSums = { loss: 0, correct: 0, count: 0 };
    this.trainLoader.setEpoch(this.epoch);
    // Step schedules are applied again before each step; setting it here shows hooks the upcoming LR.
    if (scheduler) optimizer.lr = scheduler.lrAt(scheduler.interval === 'epoch' ? this.epoch : this.globalStep);
    this.metrics = { ...this.metrics, lr: optimizer.lr, epoch: this.epoch };
    await callHook(this.cbs, 'onTrainEpochStart', this.view);
    let b = first;
    if (b < this.trainBatches) {
      const source = this.skipOnResume ? skipBatches(this.trainLoader, this.skipOnResume) : this.trainLoader;
      this.skipOnResume = 0;
      for await (const batch of source) {
        const last = b === this.trainBatches - 1;
        const loss = await this.trainBatch(batch, b, last);
        b++;
        this.position = { epoch: this.epoch, batchInEpoch: b };
        await callHook(this.cbs, 'onTrainBatchEnd', this.view, { batchIdx: b - 1, batchSize: batch.shape[0], loss });
        if (!this.pending) await this.checkSignal();
        if ((last && this.trainBatches < this.trainLoader.length) || this.stepsDone()) break;
      }
    }
    if (this.pending) await this.optimizerStep(b - 1);
    let [loss, correct, count] = [this.epochSums.loss, this.epochSums.correct, this.epochSums.count];
    if (this.comm) [loss, correct, count] = await allReduceSum([loss, correct, count], this.comm);
    const trainMetrics = { 'train/loss': count ? loss / count : NaN, 'train/accuracy': count ? correct / count : NaN };
    this.metrics = { ...this.metrics, ...trainMetrics };
    this.position = { epoch: this.epoch + 1, batchInEpoch: 0 };
    this.logger.info(`epoch ${this.epoch} train: ${formatMetrics(trainMetrics)} (${this.globalStep} steps)`);
    await callHook(this.cbs, 'onTrainEpochEnd', this.view, trainMetrics);
  }

  /** Gradients for one batch, accumulated; steps the optimizer at accumulation boundaries. */
  private async trainBatch(batch: Batch, b: number, last: boolean): Promise<number> {
    const result = this.gradientsWithRetry(batch, b);
    const n = batch.shape[0];
    if (!this.comm && !Number.isFinite(result.loss)) {
      disposeGrads(result.grads);
      throw new NonFiniteLossError(result.loss, this.epoch, this.globalStep, b);
    }
    this.pending = accumulate(this.pending, result.grads);
    this.pendingBatches++;
    this.pendingLossSum += result.loss;
    this.epochSums.loss += result.loss * n;
    this.epochSums.correct += result.correct;
    this.epochSums.count += n;
    if (this.pendingBatches >= this.o.accumulateGradBatches || last) await this.optimizerStep(b);
    return result.loss;
  }

  private gradientsWithRetry(batch: Batch, b: number): BatchGradients {
    const n = batch.shape[0];
    let micro = Math.min(this.microBatch ?? n, n);
    const task = {
      net: this.net,
      loss: this.args.loss,
      vars: this.vars,
      numClasses: this.args.data.numClasses,
      scale: 1 / this.o.accumulateGradBatches,
      where: `train epoch ${this.epoch} batch ${b}`,
    };
    for (;;) {
      // Batch-norm statistics move during the forward pass; keep them to undo a failed attempt.
      const frozen = this.net.nonTrainableWeights.map((w) => tf.keep(w.read().clone()));
      try {
        const out = batchGradients(task, batch, micro);
        tf.dispose(frozen);
        return out;
      } catch (err) {
        if (!isOutOfMemoryError(err)) {
          tf.dispose(frozen);
          throw err;
        }
        tf.tidy(() => this.net.nonTrainableWeights.forEach((w, i) => w.write(frozen[i])));
        tf.dispose(frozen);
        const min = this.o.minBatchSize;
        if (micro <= min) {
          throw new KilnError(
            `out of memory at epoch ${this.epoch}, step ${this.globalStep} (batch ${b}) even with micro-batch ${micro}, ` +
              `the minimum (trainer.minBatchSize=${min}). Use a smaller model or input size, or fewer workers per device.`,
            { cause: err },
          );
        }
        const next = Math.max(min, Math.floor(micro / 2));
        this.logger.warn(
          `out of memory at epoch ${this.epoch}, step ${this.globalStep} (batch ${b}) with micro-batch ${micro}: ` +
            `retrying the same batch as micro-batches of ${next} (gradients accumulated, same effective batch)`,
        );
        micro = next;
        this.microBatch = next;
      }
    }
  }

  private async optimizerStep(b: number): Promise<void> {
    const { optimizer, scheduler } = this.args;
    let grads = this.pending!;
    let loss = this.pendingLossSum / this.pendingBatches;
    this.pending = undefined;
    this.pendingBatches = 0;
    this.pendingLossSum = 0;
    if (this.comm) {
      const reduced = await allReduceGradients(grads, [loss], this.comm);
      grads = reduced.grads;
      loss = reduced.scalars[0];
    }
    if (!Number.isFinite(loss)) {
      disposeGrads(grads);
      throw new NonFiniteLossError(loss, this.epoch, this.globalStep, b);
    }
    if (this.o.gradientClipVal !== null) grads = clipByValue(grads, this.o.gradientClipVal);
    if (this.o.gradientClipNorm !== null) grads = clipByGlobalNorm(grads, this.o.gradientClipNorm).grads;
    if (scheduler?.interval === 'step') optimizer.lr = scheduler.lrAt(this.globalStep);
    optimizer.step(grads, this.vars);
    disposeGrads(grads);
    this.ema?.update();
    this.globalStep++;
    this.metrics = { ...this.metrics, 'train/loss': loss, lr: optimizer.lr, epoch: this.epoch, step: this.globalStep };
    if (this.globalStep % this.o.logEveryNSteps === 0) {
      this.logger.info(`epoch ${this.epoch} step ${this.globalStep}: loss=${loss.toPrecision(4)} lr=${optimizer.lr.toPrecision(3)}`);
    }
  }

  private shouldValidate(): boolean {
    if (!this.valLoader || this.valBatches === 0) return false;
    const last = this.epoch + 1 >= this.maxEpochs || this.stepsDone() || this.shouldStop;
    return (this.epoch + 1) % this.o.checkValEveryNEpoch === 0 || last;
  }

  private async validate(): Promise<void> {
    await callHook(this.cbs, 'onValidationStart', this.view);
    const loader = this.valLoader!;
    loader.setEpoch(this.epoch);
    const run = () =>
      evaluate({
        net: this.net,
        loss: this.args.loss,
        metrics: this.metricsList,
        loader,
        batches: this.valBatches,
        numClasses: this.args.data.numClasses,
        prefix: 'val',
        communicator: this.comm,
        minBatchSize: this.o.minBatchSize,
        microBatch: this.microBatch,
        logger: this.logger,
      });
    const valMetrics = this.ema ? await this.ema.withShadowWeights(run) : await run();
    this.metrics = { ...this.metrics, ...valMetrics };
    this.args.scheduler?.observe?.(this.metrics);
    this.updateBest();
    this.logger.info(`epoch ${this.epoch} val: ${formatMetrics(valMetrics)}`);
    await callHook(this.cbs, 'onValidationEnd', this.view, valMetrics);
  }

  private async checkSignal(): Promise<void> {
    // Batches from memory resolve as microtasks: without one macrotask turn per step, signal
    // handlers (and piped stdout) would wait for the end of the epoch (issue 13, bug 1).
    await new Promise<void>((resolve) => setImmediate(resolve));
    const sig = this.signals?.signal;
    if (!sig) return;
    const path = this.writeRunDir && this.rank === 0 ? join(this.writeRunDir, 'checkpoints', 'last.ckpt') : undefined;
    if (path) await this.saveCheckpoint(path);
    const err = new TrainingInterruptedError(sig, path);
    await this.reportException(err);
    throw err;
  }
}
