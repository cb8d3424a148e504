import * as tf from '@kiln/contracts/tf';

/**
 * Exponential moving average of all weights (batch-norm statistics included, like timm's
 * ModelEmaV2): `shadow = decay·shadow + (1-decay)·w` after every optimizer step.
 * Validation and checkpoints use the shadow when EMA is on.
 */
export class WeightEma {
  private shadow: tf.Variable[] = [];

  constructor(
    readonly net: tf.LayersModel,
    readonly decay: number,
  ) {
    this.shadow = net.weights.map((w) => tf.keep(tf.variable(w.read().clone(), false)));
  }

  update(): void {
    const d = this.decay;
    tf.tidy(() => {
      this.net.weights.forEach((w, i) => {
        const s = this.shadow[i];
        s.assign(s.mul(d).add(w.read().mul(1 - d)));
      });
    });
  }

  /** Shadow arrays in `net.weights` order. */
  async values(): Promise<Float32Array[]> {
    return Promise.all(this.shadow.map(async (s) => (await s.data()) as Float32Array));
  }

  load(arrays: Float32Array[]): void {
    if (arrays.length !== this.shadow.length) throw new Error(`EMA: expected ${this.shadow.length} arrays, got ${arrays.length}`);
    tf.tidy(() => this.shadow.forEach((s, i) => s.assign(tf.tensor(arrays[i], s.shape, s.dtype))));
  }

  /** The shadow of `net.weights[i]`. */
  shadowAt(i: number): tf.Variable {
    return this.shadow[i];
  }

  /** Runs `fn` with the EMA weights in the model, then puts the live weights back. */
  async withShadowWeights<T>(fn: () => Promise<T>): Promise<T> {
    const live = this.net.weights.map((w) => tf.keep(w.read().clone()));
    tf.tidy(() => this.net.weights.forEach((w, i) => w.write(this.shadow[i].clone())));
    try {
      return await fn();
    } finally {
      tf.tidy(() => this.net.weights.forEach((w, i) => w.write(live[i])));
      tf.dispose(live);
    }
  }

  dispose(): void {
    tf.dispose(this.shadow);
    this.shadow = [];
  }
}
