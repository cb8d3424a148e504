import { join } from 'node:path';
import { callHook, isCheckpointCallback, type Callback, type DataModule, type EpochEnd, type StreamingMetric, type TrainerView } from '@kiln/contracts';
import { KilnError, type Logger } from '@kiln/core';
import { loadCheckpoint } from './checkpoint';
import { CheckpointIo } from './checkpoint-io';
import { allReduceSum, averageRunningStats, broadcastWeights } from './distributed';
import { WeightEma } from './ema';
import { TrainingInterruptedError } from './errors';
import { createFitContext, type FitContext } from './fit-context';
import { fitLoaders, type FitLoaders } from './fit-data';
import { fitResult } from './fit-result';
import { FitState } from './fit-state';
import { GradScaler } from './grad-scaler';
import type { FitArgs, FitResult } from './fit-types';
import { formatMetrics, skipBatches } from './loop-helpers';
import { profiledCallbacks, timedBatches } from './profiler/profiled-hooks';
import { findResumeCheckpoint } from './resume';
import { agreedSignal, SignalWatcher, stopFlags, type StopSignal } from './signals';
import { StepRunner } from './step-runner';
import { Teacher } from './teacher';
import type { ResolvedTrainerOptions } from './trainer-options';
import { createTrainerView } from './trainer-view';
import { validateEpoch } from './validation';

/** Counters the trainer keeps among its metrics; they are columns/axes, not metrics. */
const COUNTERS = new Set(['epoch', 'step']);
const withoutCounters = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([k]) => !COUNTERS.has(k)));

/**
 * One `fit` call: setup and resume, the epoch/batch loop and its hooks (config order, through
 * `callHook`), and fault handling. The state, the step runner, validation and checkpoint I/O
 * are separate objects it composes.
 */
export class FitLoop {
  private readonly ctx: FitContext;
  private readonly state = new FitState();
  private readonly steps: StepRunner;
  private readonly io: CheckpointIo;
  private readonly view: TrainerView;
  /** What `callHook` runs: the callbacks, or stand-ins that time each hook when profiling. */
  private readonly hooks: readonly Callback[];
  private ema: WeightEma | undefined;
  private teacher: Teacher | undefined;
  private loaders: FitLoaders | undefined;
  private skipOnResume = 0;
  private resumedFrom: string | undefined;
  private signals: SignalWatcher | undefined;

  constructor(o: ResolvedTrainerOptions, args: FitArgs, services: { logger?: Logger; runDir?: string }, metrics: StreamingMetric[]) {
    this.ctx = createFitContext(o, args, services, metrics);
    if (o.precision === '16-mixed') this.state.gradScaler = new GradScaler({ growthInterval: o.lossScaleGrowthInterval });
    this.hooks = this.ctx.profiler.enabled ? profiledCallbacks(this.ctx.cbs, this.ctx.profiler) : this.ctx.cbs;
    this.steps = new StepRunner(this.ctx, this.state, () => this.ema, () => this.signals?.signal, () => this.teacher);
    this.io = new CheckpointIo(this.ctx, this.state, () => this.ema);
    this.view = createTrainerView(this.ctx, this.state, this.io, () => ({
      train: this.loaders?.trainBatches ?? 0,
      val: this.loaders?.valBatches ?? 0,
    }));
  }

  async run(): Promise<FitResult> {
    const { ctx, state } = this;
    this.signals = new SignalWatcher((sig) => ctx.logger.warn(`${sig} received: finishing the current step, then saving last.ckpt`));
    try {
      await ctx.profiler.phase('startup.fit_setup', () => this.prepare());
      await callHook(this.hooks, 'onFitStart', this.view);
      while (state.epoch < ctx.maxEpochs && !state.shouldStop && !this.stepsDone()) {
        const train = await ctx.profiler.phase('train_epoch', () => this.trainEpoch());
        await this.endEpoch(train);
        await this.checkSignal(await this.agreeOnStop());
        if (state.epoch + 1 >= ctx.maxEpochs || state.shouldStop || this.stepsDone()) break;
        state.epoch++;
      }
      await callHook(this.hooks, 'onFitEnd', this.view);
      return fitResult(ctx, state, this.resumedFrom);
    } catch (err) {
      if (!(err instanceof TrainingInterruptedError)) await this.reportException(err);
      throw err;
    } finally {
      this.signals.dispose();
      this.steps.dispose();
      this.ema?.dispose();
      this.teacher?.dispose();
    }
  }

  private stepsDone(): boolean {
    return this.state.stepsDone(this.ctx.maxSteps);
  }

  private async reportException(err: unknown): Promise<void> {
    try {
      await callHook(this.hooks, 'onException', this.view, err);
    } catch (hookErr) {
      this.ctx.logger.error(`a callback failed in onException: ${(hookErr as Error).message}`);
    }
  }

  private async prepare(): Promise<void> {
    const { ctx } = this;
    const { data, optimizer, scheduler } = ctx.args;
    if (!isSetUp(data)) await data.setup('fit');
    if (ctx.o.ema) this.ema = new WeightEma(ctx.net, ctx.o.ema.decay);
    if (ctx.freeze.frozen.length) {
      const until = ctx.o.unfreezeAt === null ? '' : ` until epoch ${ctx.o.unfreezeAt}`;
      ctx.logger.info(`trainer.freeze: ${ctx.freeze.frozen.length} weight(s) frozen${until} (${ctx.o.freeze.join(', ')})`);
    }
    const teacher = ctx.args.loss.teacher;
    if (teacher) {
      const saver = ctx.cbs.find(isCheckpointCallback);
      if (teacher === 'best' && !saver) throw new KilnError("loss.teacher: 'best' needs a checkpoint callback (callbacks.checkpoint) that keeps a best checkpoint");
      this.teacher = await Teacher.create(teacher, ctx.net, { ema: this.ema, bestPath: () => saver?.bestModelPath, logger: ctx.logger });
    }
    const resumePath = ctx.fastDev ? undefined : findResumeCheckpoint(ctx.o.resume, ctx.args.runsRoot ?? 'outputs');
    if (ctx.o.resume === 'auto' && !resumePath) ctx.logger.info('resume=auto: no last.ckpt found; starting fresh');
    const ckpt = resumePath ? await loadCheckpoint(resumePath) : undefined;
    if (ckpt && ckpt.data && Object.keys(ckpt.data).length) data.loadStateDict(ckpt.data);
    this.loaders = await fitLoaders(ctx);
    if (ckpt) {
      this.skipOnResume = this.io.restore(ckpt, resumePath!);
      this.resumedFrom = resumePath;
    }
    if (ctx.comm) {
      await this.checkSameStart(resumePath);
      await broadcastWeights(ctx.net, ctx.comm);
    }
    const stepsPerEpoch = Math.ceil(this.loaders.trainBatches / ctx.o.accumulateGradBatches);
    scheduler?.setup({
      baseLr: optimizer.baseLr,
      totalSteps: ctx.maxSteps ?? ctx.maxEpochs * stepsPerEpoch,
      totalEpochs: ctx.maxEpochs,
      stepsPerEpoch,
    });
    if (ctx.fastDev) ctx.logger.info(`fastDevRun: ${ctx.fastDev} batch(es) of train/val, 1 epoch, no files written`);
  }

  /** Trains one epoch; returns its `train/*` metrics (summed over ranks). */
  private async trainEpoch(): Promise<Record<string, number>> {
    const { ctx, state } = this;
    const { optimizer, scheduler } = ctx.args;
    const loaders = this.loaders!;
    const first = state.startBatch;
    state.startBatch = 0;
    if (first === 0) state.epochSums = { loss: 0, correct: 0, count: 0 };
    loaders.train.setEpoch(state.epoch);
    // Step schedules are applied again before each step; setting it here shows hooks the upcoming LR.
    if (scheduler) optimizer.lr = scheduler.lrAt(scheduler.interval === 'epoch' ? state.epoch : state.globalStep);
    state.metrics = { ...state.metrics, lr: optimizer.lr, epoch: state.epoch };
    await callHook(this.hooks, 'onTrainEpochStart', this.view);
    await this.teacher?.beforeEpoch(ctx.net);
    let b = first;
    if (b < loaders.trainBatches) {
      const source = this.skipOnResume ? skipBatches(loaders.train, this.skipOnResume) : loaders.train;
      this.skipOnResume = 0;
      const { profiler } = ctx;
      for await (const batch of profiler.enabled ? timedBatches(source, profiler) : source) {
        const last = b === loaders.trainBatches - 1;
        profiler.mark('firstStepStart');
        const loss = await this.steps.trainBatch(batch, b, last);
        profiler.mark('firstStepEnd');
        b++;
        state.position = { epoch: state.epoch, batchInEpoch: b };
        await callHook(this.hooks, 'onTrainBatchEnd', this.view, { batchIdx: b - 1, batchSize: batch.shape[0], loss });
        if (!this.steps.hasPending) await this.checkSignal(this.steps.agreedStop);
        if ((last && loaders.trainBatches < loaders.train.length) || this.stepsDone()) break;
      }
    }
    await this.steps.flush(b - 1);
    let { loss, correct, count } = state.epochSums;
    if (ctx.comm) [loss, correct, count] = await allReduceSum([loss, correct, count], ctx.comm);
    const trainMetrics = { 'train/loss': count ? loss / count : NaN, 'train/accuracy': count ? correct / count : NaN };
    state.metrics = { ...state.metrics, ...trainMetrics };
    state.position = { epoch: state.epoch + 1, batchInEpoch: 0 };
    ctx.logger.info(`epoch ${state.epoch} train: ${formatMetrics(trainMetrics)} (${state.globalStep} steps)`);
    await callHook(this.hooks, 'onTrainEpochEnd', this.view, trainMetrics);
    return trainMetrics;
  }

  /** Validation when due, the best value, then `onEpochEnd` with what the epoch logged. */
  private async endEpoch(trainMetrics: Record<string, number>): Promise<void> {
    const { ctx, state } = this;
    // Before validation and the epoch's checkpoints, so both see the statistics of the whole batch.
    if (ctx.comm) await averageRunningStats(ctx.net, ctx.comm, this.ema);
    const fresh = Object.entries(state.metrics).filter(([k]) => !COUNTERS.has(k) && !k.startsWith('val/'));
    const record: EpochEnd = {
      epoch: state.epoch,
      step: state.globalStep,
      metrics: { ...Object.fromEntries(fresh), ...withoutCounters(trainMetrics) },
      validated: false,
    };
    if (this.shouldValidate()) {
      await callHook(this.hooks, 'onValidationStart', this.view);
      const valMetrics = await ctx.profiler.phase('validation', () => validateEpoch(ctx, state, this.loaders!.val!, this.loaders!.valBatches, this.ema));
      state.metrics = { ...state.metrics, ...valMetrics };
      ctx.args.scheduler?.observe?.(state.metrics);
      state.updateBest(ctx.monitor, ctx.monitorMode);
      ctx.logger.info(`epoch ${state.epoch} val: ${formatMetrics(valMetrics)}`);
      await callHook(this.hooks, 'onValidationEnd', this.view, valMetrics);
      record.metrics = { ...record.metrics, ...withoutCounters(valMetrics) };
      record.validated = true;
    } else {
      state.updateBest(ctx.monitor, ctx.monitorMode);
    }
    await callHook(this.hooks, 'onEpochEnd', this.view, record);
  }

  private shouldValidate(): boolean {
    const { ctx, state } = this;
    if (!this.loaders?.val || this.loaders.valBatches === 0) return false;
    const last = state.epoch + 1 >= ctx.maxEpochs || this.stepsDone() || state.shouldStop;
    return (state.epoch + 1) % ctx.o.checkValEveryNEpoch === 0 || last;
  }

  /**
   * Every rank must start from the same position: each resolves and reads the resume checkpoint itself,
   * and without a shared filesystem a rank may find another one (or none) — its collectives would then
   * no longer line up with the others'. One small allGather at start turns that into a clear error.
   */
  private async checkSameStart(resumePath: string | undefined): Promise<void> {
    const { ctx, state } = this;
    const gathered = await ctx.comm!.allGather([Float32Array.of(state.globalStep, state.epoch, state.startBatch)]);
    const all = gathered.map(([p]) => Array.from(p));
    const differs = all.findIndex((p) => p.join() !== all[0].join());
    if (differs < 0) return;
    throw new KilnError(
      `rank ${differs} would start at step ${all[differs][0]} (epoch ${all[differs][1]}) but rank 0 at step ${all[0][0]} ` +
        `(epoch ${all[0][1]})${ctx.rank === differs || ctx.rank === 0 ? `; this rank resumes from ${resumePath ?? 'nothing (fresh start)'}` : ''}. ` +
        'Every rank must see the same run folders: put run.root (outputs/) on a shared filesystem, or pass trainer.resume=<path> readable on every host.',
    );
  }

  /** Between epochs: whether any rank got a signal (one small collective), or this process's own signal. */
  private async agreeOnStop(): Promise<StopSignal | undefined> {
    const { comm } = this.ctx;
    if (!comm) return this.signals?.signal;
    const [flags] = await comm.allReduceSum([Float32Array.from(stopFlags(this.signals?.signal))]);
    return agreedSignal(flags);
  }

  /**
   * Stops on `sig` (with several ranks: the signal they agreed on, so all stop after the same step):
   * rank 0 saves last.ckpt, and the other ranks wait for that save before they exit, since a rank that
   * exits early may end the job (MPI aborts) while rank 0 is still writing.
   */
  private async checkSignal(agreed: StopSignal | undefined): Promise<void> {
    // Batches from memory resolve as microtasks: without one macrotask turn per step, signal
    // handlers (and piped stdout) would wait for the end of the epoch (issue 13, bug 1).
    await new Promise<void>((resolve) => setImmediate(resolve));
    const { ctx } = this;
    const sig = ctx.comm ? agreed : this.signals?.signal;
    if (!sig) return;
    const path = ctx.runDir && ctx.rank === 0 ? join(ctx.runDir, 'checkpoints', 'last.ckpt') : undefined;
    if (path) await this.io.save(path);
    const err = new TrainingInterruptedError(sig, path);
    await this.reportException(err);
    if (ctx.comm) await ctx.comm.barrier();
    throw err;
  }
}

/** Data modules may expose whether `setup` ran; otherwise a non-empty class list means it did. */
function isSetUp(data: DataModule): boolean {
  if (typeof data.isSetUp === 'boolean') return data.isSetUp;
  try {
    return data.numClasses > 0 && data.classes.length > 0;
  } catch {
    return false;
  }
}
