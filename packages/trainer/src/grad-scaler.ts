import * as tf from '@kiln/contracts/tf';

/** What a checkpoint keeps of a GradScaler (exact resume). */
export interface GradScalerState {
  scale: number;
  growthTracker: number;
}

export interface GradScalerOptions {
  initScale?: number;
  growthFactor?: number;
  backoffFactor?: number;
  /** Clean steps in a row before the scale grows. */
  growthInterval?: number;
}

/**
 * Dynamic loss scaling with torch.cuda.amp.GradScaler's semantics, for 16-mixed: the loss is
 * multiplied by `scale` so small fp16 gradients do not flush to zero; gradients are unscaled
 * before clipping; a step whose gradients hold inf/NaN is skipped and the scale halved; after
 * `growthInterval` clean steps in a row the scale doubles.
 */
export class GradScaler {
  scale: number;
  growthTracker = 0;
  readonly growthFactor: number;
  readonly backoffFactor: number;
  readonly growthInterval: number;
  /** Optimizer steps skipped for inf/NaN gradients (this process). */
  skipped = 0;

  constructor(o: GradScalerOptions = {}) {
    this.scale = o.initScale ?? 2 ** 16;
    this.growthFactor = o.growthFactor ?? 2;
    this.backoffFactor = o.backoffFactor ?? 0.5;
    this.growthInterval = o.growthInterval ?? 2000;
  }

  /**
   * Divides the (scaled) gradients by the scale. `finite` is false when any holds inf/NaN; the
   * gradients are then disposed and `grads` is empty. Disposes the inputs.
   */
  unscale(grads: Map<string, tf.Tensor>): { grads: Map<string, tf.Tensor>; finite: boolean } {
    const list = [...grads.values()];
    // One read-back for all: the sum of |g|·0 is NaN exactly when some g is inf or NaN.
    const probe = list.length ? tf.tidy(() => tf.addN(list.map((g) => g.abs().sum())).dataSync()[0]) : 0;
    if (!Number.isFinite(probe)) {
      for (const g of list) g.dispose();
      return { grads: new Map(), finite: false };
    }
    const inv = 1 / this.scale;
    const out = new Map<string, tf.Tensor>();
    for (const [k, g] of grads) {
      out.set(k, g.mul(inv));
      g.dispose();
    }
    return { grads: out, finite: true };
  }

  /** After a step: halve on overflow (and restart the clean count), grow after growthInterval clean steps. */
  update(finite: boolean): void {
    if (!finite) {
      this.scale *= this.backoffFactor;
      this.growthTracker = 0;
      this.skipped++;
      return;
    }
    this.growthTracker++;
    if (this.growthTracker >= this.growthInterval) {
      this.scale *= this.growthFactor;
      this.growthTracker = 0;
    }
  }

  state(): GradScalerState {
    return { scale: this.scale, growthTracker: this.growthTracker };
  }

  load(s: GradScalerState): void {
    if (!(s.scale > 0) || !Number.isFinite(s.scale)) throw new Error(`grad scaler state: scale must be a positive number (got ${s.scale})`);
    this.scale = s.scale;
    this.growthTracker = Math.max(0, Math.floor(s.growthTracker ?? 0));
  }
}
