import { globalRandom, KilnError, type RngState } from '@kiln/core';
import { linkCheckpoint, saveCheckpoint, type CheckpointPayload } from './checkpoint';
import type { WeightEma } from './ema';
import type { FitContext } from './fit-context';
import type { FitState, TrainState } from './fit-state';
import { parseSlotKey, slotKey } from './optimizers/optimizer';
import { setWeightsOrdered } from './weights';

/** Writes and reads full checkpoints of one `fit`: weights, optimizer, scheduler, EMA, data, RNG, callbacks, state. */
export class CheckpointIo {
  /** Bumped when weights change outside an optimizer step (a callback's setWeights, a restore). */
  private weightEdits = 0;
  /** The last file written and what it holds (its payload without the arrays, step and weight edits). */
  private last: { path: string; signature: string } | undefined;

  constructor(
    private readonly ctx: FitContext,
    private readonly state: FitState,
    private readonly ema: () => WeightEma | undefined,
  ) {}

  async build(): Promise<CheckpointPayload> {
    const { net, args, callbacks, monitor, monitorMode } = this.ctx;
    const weights = net.weights;
    const index = new Map(weights.map((w, i) => [w.name, i]));
    const opt = await args.optimizer.stateDict();
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
    const cbStates: Record<string, Record<string, unknown>> = {};
    for (const [name, cb] of callbacks) if (cb.stateDict) cbStates[name] = cb.stateDict();
    const ema = this.ema();
    return {
      epoch: this.state.position.epoch,
      batchInEpoch: this.state.position.batchInEpoch,
      globalStep: this.state.globalStep,
      topology: net.toJSON(undefined, false),
      weights: await Promise.all(
        weights.map(async (w) => ({ name: w.name, shape: w.shape as number[], data: (await w.read().data()) as Float32Array })),
      ),
      ema: ema ? { decay: ema.decay, weights: await ema.values() } : null,
      optimizer: { type: typeOf(args.optimizer), lr: args.optimizer.lr, step: opt.step, slots },
      scheduler: args.scheduler?.stateDict() ?? null,
      data: args.data.stateDict(),
      rng: rng ? { global: rng } : {},
      best: { monitor, mode: monitorMode, value: this.state.best },
      callbacks: cbStates,
      classes: args.data.classes,
      trainState: this.state.trainState(),
      meta: args.meta ?? {},
    };
  }

  /** Only rank 0 writes; other ranks return at once. */
  async save(path: string): Promise<void> {
    if (this.ctx.rank !== 0) return;
    await this.ctx.profiler.phase('checkpoint.write', async () => {
      const payload = await this.build();
      // Arrays only change with a step or a weight edit, both in the signature: the rest is compared as is.
      const signature = `${this.state.globalStep}/${this.weightEdits}/${JSON.stringify(payload, (_k, v: unknown) => (ArrayBuffer.isView(v) ? v.byteLength : v))}`;
      const last = this.last;
      this.last = undefined;
      if (last && last.signature === signature && (await linkCheckpoint(last.path, path))) {
        this.last = last;
        return;
      }
      await saveCheckpoint(path, payload);
      this.last = { path, signature };
    });
  }

  /** Weights were set from outside the loop's steps: the next save writes a fresh file. */
  weightsEdited(): void {
    this.weightEdits++;
  }

  /**
   * Restores a checkpoint into the model, optimizer, scheduler, EMA, RNG, callbacks and state.
   * Returns how many batches to skip when the data module does not record its own position.
   */
  restore(ckpt: CheckpointPayload, path: string): number {
    const { net, args, callbacks, logger, monitor, maxEpochs } = this.ctx;
    this.weightsEdited();
    const weights = net.weights;
    try {
      setWeightsOrdered(net, ckpt.weights.map((w) => w.data));
    } catch (err) {
      throw new KilnError(`${path}: ${(err as Error).message}: is it the same model config?`, { cause: err });
    }
    if (ckpt.optimizer) {
      const slots: Record<string, Float32Array> = {};
      for (const s of ckpt.optimizer.slots) {
        const w = weights[s.weight];
        if (w) slots[slotKey(w.name, s.slot)] = s.data;
      }
      const type = typeOf(args.optimizer);
      if (ckpt.optimizer.type && type && ckpt.optimizer.type !== type) {
        logger.warn(`resume: checkpoint optimizer is '${ckpt.optimizer.type}', now '${type}': optimizer state not restored`);
      } else {
        args.optimizer.loadStateDict({ step: ckpt.optimizer.step, slots });
      }
    }
    if (ckpt.scheduler && args.scheduler) args.scheduler.loadStateDict(ckpt.scheduler);
    const ema = this.ema();
    if (ckpt.ema?.weights.length && ema) ema.load(ckpt.ema.weights);
    if (ckpt.rng?.global) {
      try {
        globalRandom().setState(ckpt.rng.global as RngState);
      } catch {
        logger.warn('resume: checkpoint has an RNG state but seedEverything() was not called; randomness will differ');
      }
    }
    const best = ckpt.best && ckpt.best.monitor === monitor ? ckpt.best.value : null;
    this.state.restore(ckpt, (ckpt.trainState ?? {}) as TrainState, best);
    const states = ckpt.callbacks ?? {};
    for (const [name, cb] of callbacks) {
      if (states[name] && cb.loadStateDict) cb.loadStateDict(states[name]);
    }
    logger.info(`resumed from ${path}: epoch ${ckpt.epoch}, batch ${ckpt.batchInEpoch}, step ${ckpt.globalStep}`);
    if (this.state.epoch >= maxEpochs) logger.warn(`resume: checkpoint is at epoch ${this.state.epoch}, maxEpochs is ${maxEpochs}; nothing to train`);
    // Data modules that do not record their position get it replayed by skipping batches.
    return !ckpt.data || Object.keys(ckpt.data).length === 0 ? ckpt.batchInEpoch : 0;
  }
}

function typeOf(optimizer: object): string | undefined {
  return (optimizer.constructor as { type?: string }).type;
}
