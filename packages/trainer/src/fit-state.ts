import * as tf from '@tensorflow/tfjs';
import { globalRandom, KilnError, silentLogger, type Logger, type RngState } from '@kiln/core';
import type { Callback, TrainerView } from '@kiln/contracts';
import { saveCheckpoint, type CheckpointPayload } from './checkpoint';
import { WeightEma } from './ema';
import { defaultMonitorMode } from './loop-helpers';
import { parseSlotKey, slotKey } from './optimizers/optimizer';
import { SignalWatcher } from './signals';
import type { ResolvedTrainerOptions } from './trainer-options';
import type { Communicator, DataLoader, DataModule, StreamingMetric } from '@kiln/contracts';
import { getWeightsMap, setWeightsMap } from '@kiln/models';
import { setWeightsOrdered, trainableVariables } from './weights';
import type { FitArgs, FitResult } from './fit-types';

interface Position {
  epoch: number;
  batchInEpoch: number;
}

function namedCallbacks(callbacks: FitArgs['callbacks']): Array<[string, Callback]> {
  if (!callbacks) return [];
  if (!Array.isArray(callbacks)) return Object.entries(callbacks);
  const seen = new Map<string, number>();
  return callbacks.map((cb) => {
    const base = (cb.constructor as { type?: string }).type ?? cb.constructor.name;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return [n ? `${base}_${n}` : base, cb];
  });
}

/**
 * State of one `fit` call and everything that reads or writes it as a whole: the callbacks' view,
 * checkpoint payloads (save and restore) and the final result. `FitLoop` adds the loop itself.
 */
export abstract class FitState {
  protected readonly net: tf.LayersModel;
  protected readonly callbacks: Array<[string, Callback]>;
  protected readonly cbs: Callback[];
  protected readonly vars: Map<string, tf.Variable>;
  protected readonly logger: Logger;
  protected readonly comm: Communicator | undefined;
  protected readonly rank: number;
  protected readonly worldSize: number;
  protected readonly fastDev: number;
  protected readonly maxEpochs: number;
  protected readonly maxSteps: number | undefined;
  protected readonly writeRunDir: string | undefined;
  protected readonly monitorMode: 'min' | 'max';

  protected epoch = 0;
  protected globalStep = 0;
  protected position: Position = { epoch: 0, batchInEpoch: 0 };
  protected startBatch = 0;
  protected metrics: Record<string, number> = {};
  protected shouldStop = false;
  protected best: number | null = null;
  protected microBatch: number | undefined;
  protected ema: WeightEma | undefined;
  protected pending: Map<string, tf.Tensor> | undefined;
  protected pendingBatches = 0;
  protected pendingLossSum = 0;
  protected epochSums = { loss: 0, correct: 0, count: 0 };
  protected trainLoader!: DataLoader;
  protected valLoader: DataLoader | undefined;
  protected trainBatches = 0;
  protected valBatches = 0;
  protected skipOnResume = 0;
  protected resumedFrom: string | undefined;
  protected signals: SignalWatcher | undefined;
  protected readonly metricsList: StreamingMetric[];
  readonly view: TrainerView;

  constructor(
    protected readonly o: ResolvedTrainerOptions,
    protected readonly args: FitArgs,
    context: { logger?: Logger; runDir?: string },
    metricsList: StreamingMetric[],
  ) {
    this.net = args.model.net;
    this.callbacks = namedCallbacks(args.callbacks);
    this.cbs = this.callbacks.map(([, cb]) => cb);
    this.vars = trainableVariables(this.net);
    this.comm = args.communicator && args.communicator.worldSize > 1 ? args.communicator : undefined;
    this.rank = this.comm?.rank ?? 0;
    this.worldSize = this.comm?.worldSize ?? 1;
    this.logger = this.rank === 0 ? (context.logger ?? silentLogger) : silentLogger;
    this.fastDev = o.fastDevRun === true ? 1 : o.fastDevRun === false ? 0 : o.fastDevRun;
    this.maxEpochs = this.fastDev ? 1 : o.maxEpochs;
    this.maxSteps = this.fastDev ? undefined : (o.maxSteps ?? undefined);
    this.writeRunDir = this.fastDev ? undefined : context.runDir;
    this.monitorMode = o.monitorMode ?? defaultMonitorMode(o.monitor);
    this.metricsList = metricsList;
    this.view = this.makeView();
  }


  private makeView(): TrainerView {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const loop = this;
    return {
      get epoch() { return loop.epoch; },
      get globalStep() { return loop.globalStep; },
      get maxEpochs() { return loop.maxEpochs; },
      get maxSteps() { return loop.maxSteps; },
      get trainBatchesPerEpoch() { return loop.trainBatches; },
      get valBatchesPerEpoch() { return loop.valBatches; },
      get metrics() { return loop.metrics; },
      get learningRate() { return loop.args.optimizer.lr; },
      get monitor() { return loop.o.monitor; },
      get monitorMode() { return loop.monitorMode; },
      get runDir() { return loop.writeRunDir; },
      get isGlobalZero() { return loop.rank === 0; },
      get logger() { return loop.logger; },
      get shouldStop() { return loop.shouldStop; },
      set shouldStop(v: boolean) { loop.shouldStop = v; },
      saveCheckpoint: (path: string) => this.saveCheckpoint(path),
      getWeights: () => getWeightsMap(this.net),
      setWeights: (w: Map<string, Float32Array>) => setWeightsMap(this.net, w),
    };
  }

  protected stepsDone(): boolean {
    return this.maxSteps !== undefined && this.globalStep >= this.maxSteps;
  }

  protected restore(ckpt: CheckpointPayload, path: string): void {
    const weights = this.net.weights;
    if (ckpt.weights.length !== weights.length) {
      throw new KilnError(`${path} holds ${ckpt.weights.length} weights, the model has ${weights.length}: is it the same model config?`);
    }
    setWeightsOrdered(this.net, ckpt.weights.map((w) => w.data));
    if (ckpt.optimizer) {
      const slots: Record<string, Float32Array> = {};
      for (const s of ckpt.optimizer.slots) {
        const w = weights[s.weight];
        if (w) slots[slotKey(w.name, s.slot)] = s.data;
      }
      const type = (this.args.optimizer.constructor as { type?: string }).type;
      if (ckpt.optimizer.type && type && ckpt.optimizer.type !== type) {
        this.logger.warn(`resume: checkpoint optimizer is '${ckpt.optimizer.type}', now '${type}': optimizer state not restored`);
      } else {
        this.args.optimizer.loadStateDict({ step: ckpt.optimizer.step, slots });
      }
    }
    if (ckpt.scheduler && this.args.scheduler) this.args.scheduler.loadStateDict(ckpt.scheduler);
    if (ckpt.ema?.weights.length && this.ema) this.ema.load(ckpt.ema.weights);
    if (ckpt.rng?.global) {
      try {
        globalRandom().setState(ckpt.rng.global as RngState);
      } catch {
        this.logger.warn('resume: checkpoint has an RNG state but seedEverything() was not called; randomness will differ');
      }
    }
    this.epoch = ckpt.epoch;
    this.startBatch = ckpt.batchInEpoch;
    this.position = { epoch: ckpt.epoch, batchInEpoch: ckpt.batchInEpoch };
    this.globalStep = ckpt.globalStep;
    if (ckpt.best && ckpt.best.monitor === this.o.monitor) this.best = ckpt.best.value;
    const ts = (ckpt.trainState ?? {}) as { epochSums?: { loss: number; correct: number; count: number }; microBatch?: number; metrics?: Record<string, number> };
    if (ts.epochSums && ckpt.batchInEpoch > 0) this.epochSums = { ...ts.epochSums };
    if (ts.microBatch) this.microBatch = ts.microBatch;
    if (ts.metrics) this.metrics = { ...ts.metrics };
    // Data modules that do not record their position get it replayed by skipping batches.
    if (!ckpt.data || Object.keys(ckpt.data).length === 0) this.skipOnResume = ckpt.batchInEpoch;
    const states = ckpt.callbacks ?? {};
    for (const [name, cb] of this.callbacks) {
      if (states[name] && cb.loadStateDict) cb.loadStateDict(states[name]);
    }
    this.resumedFrom = path;
    this.logger.info(`resumed from ${path}: epoch ${ckpt.epoch}, batch ${ckpt.batchInEpoch}, step ${ckpt.globalStep}`);
    if (this.epoch >= this.maxEpochs) this.logger.warn(`resume: checkpoint is at epoch ${this.epoch}, maxEpochs is ${this.maxEpochs}; nothing to train`);
  }

  protected updateBest(): void {
    const v = this.metrics[this.o.monitor];
    if (v === undefined || !Number.isFinite(v)) return;
    if (this.best === null || (this.monitorMode === 'min' ? v < this.best : v > this.best)) this.best = v;
  }

  async buildCheckpoint(): Promise<CheckpointPayload> {
    const weights = this.net.weights;
    const index = new Map(weights.map((w, i) => [w.name, i]));
    const opt = await this.args.optimizer.stateDict();
    const slots = Object.entries(opt.slots).flatMap(([key, data]) => {
      const { varName, slot } = parseSlotKey(key);
      const i = index.get(varName);
      return i === undefined ? [] : [{ weight: i, slot, data }];
    });
    let rng: RngState | undefined;
    try {
      rng = globalRandom().getState();
    } catch {
      rng = undefined;
    }
    const callbacks: Record<string, Record<string, unknown>> = {};
    for (const [name, cb] of this.callbacks) if (cb.stateDict) callbacks[name] = cb.stateDict();
    return {
      epoch: this.position.epoch,
      batchInEpoch: this.position.batchInEpoch,
      globalStep: this.globalStep,
      topology: this.net.toJSON(undefined, false),
      weights: await Promise.all(
        weights.map(async (w) => ({ name: w.name, shape: w.shape as number[], data: (await w.read().data()) as Float32Array })),
      ),
      ema: this.ema ? { decay: this.ema.decay, weights: await this.ema.values() } : null,
      optimizer: {
        type: (this.args.optimizer.constructor as { type?: string }).type,
        lr: this.args.optimizer.lr,
        step: opt.step,
        slots,
      },
      scheduler: this.args.scheduler?.stateDict() ?? null,
      data: this.args.data.stateDict(),
      rng: rng ? { global: rng } : {},
      best: { monitor: this.o.monitor, mode: this.monitorMode, value: this.best },
      callbacks,
      classes: this.args.data.classes,
      trainState: { epochSums: this.epochSums, microBatch: this.microBatch, metrics: this.metrics },
      meta: this.args.meta ?? {},
    };
  }

  /** Only rank 0 writes; other ranks return at once. */
  async saveCheckpoint(path: string): Promise<void> {
    if (this.rank !== 0) return;
    await saveCheckpoint(path, await this.buildCheckpoint());
  }

  protected result(): FitResult {
    const cb = this.cbs.find((c) => typeof (c as { bestModelPath?: unknown }).bestModelPath === 'string') as
      | { bestModelPath?: string; lastModelPath?: string }
      | undefined;
    const lastCb = this.cbs.find((c) => typeof (c as { lastModelPath?: unknown }).lastModelPath === 'string') as
      | { lastModelPath?: string }
      | undefined;
    return {
      metrics: { ...this.metrics },
      epochsCompleted: this.position.epoch,
      globalStep: this.globalStep,
      best: this.best === null ? undefined : { monitor: this.o.monitor, mode: this.monitorMode, value: this.best },
      bestCheckpointPath: cb?.bestModelPath,
      lastCheckpointPath: lastCb?.lastModelPath,
      resumedFrom: this.resumedFrom,
      stoppedEarly: this.shouldStop,
      monitor: this.o.monitor,
      bestMetric: this.best ?? undefined,
      bestCheckpoint: cb?.bestModelPath,
    };
  }
}

/** Data modules may expose whether `setup` ran; otherwise a non-empty class list means it did. */
export function isSetUp(data: DataModule): boolean {
  const flag = (data as { isSetUp?: unknown }).isSetUp;
  if (typeof flag === 'boolean') return flag;
  try {
    return data.numClasses > 0 && data.classes.length > 0;
  } catch {
    return false;
  }
}
