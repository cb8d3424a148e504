import * as tf from '@kiln/contracts/tf';

/** Elementwise clip to [-value, value] (Lightning's `gradient_clip_algorithm: value`). Disposes the inputs. */
export function clipByValue(grads: Map<string, tf.Tensor>, value: number): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [k, g] of grads) {
    out.set(k, tf.clipByValue(g, -value, value));
    g.dispose();
  }
  return out;
}

/**
 * Scales all gradients together so their global L2 norm is at most `maxNorm`
 * (torch `clip_grad_norm_`: coef = maxNorm/(norm + 1e-6), capped at 1). Disposes the inputs.
 * Returns the norm before clipping.
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): { grads: Map<string, tf.Tensor>; norm: number } {
  const norm = tf.tidy(() => tf.sqrt(tf.addN([...grads.values()].map((g) => g.square().sum()))).dataSync()[0]);
  const coef = Math.min(1, maxNorm / (norm + 1e-6));
  if (coef >= 1) return { grads, norm };
  const out = new Map<string, tf.Tensor>();
  for (const [k, g] of grads) {
    out.set(k, g.mul(coef));
    g.dispose();
  }
  return { grads: out, norm };
}

/** Adds `next` into `acc` (or starts it); disposes `next` and the replaced tensors. */
export function accumulate(acc: Map<string, tf.Tensor> | undefined, next: Map<string, tf.Tensor>): Map<string, tf.Tensor> {
  if (!acc) return next;
  for (const [k, g] of next) {
    const prev = acc.get(k);
    acc.set(k, prev ? prev.add(g) : g.clone());
    prev?.dispose();
    g.dispose();
  }
  return acc;
}

export function disposeGrads(grads: Map<string, tf.Tensor> | undefined): void {
  if (grads) for (const g of grads.values()) g.dispose();
}

/**
 * After an exception inside `tf.variableGrads`, tfjs leaves the tape's saved tensors alive
 * (they are freed only on the success path). Free them so a retried step does not leak.
 */
export function releaseFailedTape(): void {
  const state = (tf.engine() as unknown as { state: { gradientDepth: number; activeTape: Array<{ saved?: tf.Tensor[] }> | null } }).state;
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = null;
}
