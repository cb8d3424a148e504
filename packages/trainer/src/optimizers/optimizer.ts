import * as tf from '@kiln/contracts/tf';

export interface OptimizerState {
  /** Optimizer steps taken (Adam's bias-correction `t`). */
  step: number;
  /** Slot tensors keyed `<variable name>#<slot>` (e.g. `dense/kernel#exp_avg`). */
  slots: Record<string, Float32Array>;
}

/** What the trainer calls. `lr` is set by the scheduler before each step. */
export interface Optimizer {
  lr: number;
  /** The configured learning rate (schedulers scale from it). */
  readonly baseLr: number;
  step(grads: Map<string, tf.Tensor>, vars: Map<string, tf.Variable>): void;
  stateDict(): Promise<OptimizerState>;
  loadStateDict(state: OptimizerState): void;
  /** Frees slot tensors; the next step starts from fresh slots. */
  reset(): void;
}

export const SLOT_SEPARATOR = '#';

export function slotKey(varName: string, slot: string): string {
  return `${varName}${SLOT_SEPARATOR}${slot}`;
}

export function parseSlotKey(key: string): { varName: string; slot: string } {
  const i = key.lastIndexOf(SLOT_SEPARATOR);
  return { varName: key.slice(0, i), slot: key.slice(i + 1) };
}

/**
 * Shared slot bookkeeping. Slots are tf.Variables (they survive `tf.tidy`), created lazily
 * at the first step for a variable — from a loaded state when there is one, else zeros.
 */
export abstract class BaseOptimizer implements Optimizer {
  lr: number;
  readonly baseLr: number;
  protected stepCount = 0;
  private readonly slots = new Map<string, tf.Variable>();
  private pending = new Map<string, Float32Array>();

  constructor(lr: number) {
    this.lr = lr;
    this.baseLr = lr;
  }

  /** Updates one variable in place; runs inside `tf.tidy`. `t` is the 1-based step. */
  protected abstract update(name: string, variable: tf.Variable, grad: tf.Tensor, t: number): void;

  step(grads: Map<string, tf.Tensor>, vars: Map<string, tf.Variable>): void {
    this.stepCount++;
    const t = this.stepCount;
    tf.tidy(() => {
      for (const [name, grad] of grads) {
        const variable = vars.get(name);
        if (!variable) throw new Error(`optimizer: gradient for unknown variable '${name}'`);
        this.update(name, variable, grad, t);
      }
    });
  }

  /** True when the slot exists or will be restored from a loaded state. */
  protected hasSlot(varName: string, slot: string): boolean {
    const key = slotKey(varName, slot);
    return this.slots.has(key) || this.pending.has(key);
  }

  protected slot(varName: string, slot: string, like: tf.Tensor): tf.Variable {
    const key = slotKey(varName, slot);
    let v = this.slots.get(key);
    if (!v) {
      const saved = this.pending.get(key);
      if (saved && saved.length !== like.size) {
        throw new Error(`optimizer slot '${key}' has ${saved.length} values, variable has ${like.size}`);
      }
      v = tf.keep(tf.variable(saved ? tf.tensor(saved, like.shape, 'float32') : tf.zerosLike(like), false));
      this.pending.delete(key);
      this.slots.set(key, v);
    }
    return v;
  }

  async stateDict(): Promise<OptimizerState> {
    const slots: Record<string, Float32Array> = {};
    for (const [key, v] of this.slots) slots[key] = (await v.data()) as Float32Array;
    for (const [key, data] of this.pending) slots[key] = data.slice();
    return { step: this.stepCount, slots };
  }

  loadStateDict(state: OptimizerState): void {
    this.reset();
    this.stepCount = state.step;
    this.pending = new Map(Object.entries(state.slots).map(([k, d]) => [k, Float32Array.from(d)]));
  }

  reset(): void {
    for (const v of this.slots.values()) v.dispose();
    this.slots.clear();
    this.pending.clear();
    this.stepCount = 0;
  }
}
