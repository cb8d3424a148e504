/** One recorded step of the learning-rate range test. */
export interface LrPoint {
  lr: number;
  /** The batch's loss. */
  loss: number;
  /** Debiased exponential moving average of `loss` (what the suggestion and the plot use). */
  smoothed: number;
}

/**
 * EMA factor for a sweep of `steps`: Lightning's 0.98 (a ~50-step window) on long sweeps, a
 * window of about a tenth of the sweep on short ones, where 0.98 would lag the loss by half the
 * sweep and push the suggestion to higher LRs.
 */
export function smoothingFor(steps: number): number {
  return Math.min(0.98, Math.max(0.5, 1 - 10 / steps));
}

/** Exponential sweep: step `t` of `steps` goes from `minLr` (t = 0) to `maxLr` (t = steps − 1). */
export function sweepLr(t: number, steps: number, minLr: number, maxLr: number): number {
  if (steps <= 1) return minLr;
  return minLr * Math.pow(maxLr / minLr, Math.min(t, steps - 1) / (steps - 1));
}

/**
 * Records losses as the sweep runs: the debiased EMA of Lightning's `lr_find`
 * (`avg = β·avg + (1−β)·loss; smoothed = avg / (1 − β^(n+1))`) and divergence, which is
 * a smoothed loss above `divergeFactor` × the best one seen (or a non-finite loss).
 */
export class LrCurve {
  readonly points: LrPoint[] = [];
  private avg = 0;
  private best = Infinity;

  constructor(
    private readonly beta = 0.98,
    private readonly divergeFactor = 4,
  ) {}

  /** Adds a step; returns true when the sweep should stop (the loss diverged). */
  add(lr: number, loss: number): boolean {
    if (!Number.isFinite(loss)) return true;
    const n = this.points.length;
    this.avg = this.beta * this.avg + (1 - this.beta) * loss;
    const smoothed = this.avg / (1 - Math.pow(this.beta, n + 1));
    this.points.push({ lr, loss, smoothed });
    if (n > 0 && smoothed > this.divergeFactor * this.best) return true;
    if (smoothed < this.best) this.best = smoothed;
    return false;
  }
}

/**
 * Lightning's suggestion: the LR where the smoothed loss falls fastest — the most negative
 * slope of smoothed loss against log(lr), by central differences (numpy's `gradient`; over ±k points on long sweeps),
 * skipping the first `skipBegin` and last `skipEnd` points (start-up noise, divergence).
 * Unlike Lightning, only points up to the lowest smoothed loss count: after a blow-up that
 * stays under the divergence factor the loss can fall again, and that fall is no place to train.
 * Returns undefined when fewer than 3 points remain.
 */
export function suggestLr(points: readonly LrPoint[], skipBegin = 10, skipEnd = 1): { lr: number; index: number } | undefined {
  let begin = skipBegin;
  let end = points.length - skipEnd;
  if (end - begin < 3) {
    // Short sweeps (early divergence): use what there is rather than nothing.
    begin = 0;
    end = points.length;
  }
  let part = points.slice(begin, end);
  if (part.length < 3) return undefined;
  let lowest = 0;
  for (let i = 1; i < part.length; i++) if (part[i].smoothed < part[lowest].smoothed) lowest = i;
  if (lowest >= 2) part = part.slice(0, lowest + 1);
  const x = part.map((p) => Math.log(p.lr));
  const y = part.map((p) => p.smoothed);
  // ±k points: k = 1 is numpy's gradient; long sweeps use a wider span so one noisy batch
  // (the EMA still wiggles) cannot win over a sustained descent.
  const k = Math.max(1, Math.floor(part.length / 25));
  let bestIdx = -1;
  let bestSlope = Infinity;
  for (let i = 0; i < part.length; i++) {
    const lo = Math.max(0, i - k);
    const hi = Math.min(part.length - 1, i + k);
    const dx = x[hi] - x[lo];
    if (!(dx > 0)) continue;
    const slope = (y[hi] - y[lo]) / dx;
    if (slope < bestSlope) {
      bestSlope = slope;
      bestIdx = i;
    }
  }
  if (bestIdx < 0) return undefined;
  return { lr: part[bestIdx].lr, index: bestIdx + begin };
}

/** `3.2e-3` style: 2 significant digits, the way an override is typed. */
export function formatLr(lr: number): string {
  const [mantissa, exp] = lr.toExponential(1).split('e');
  return `${mantissa.replace(/\.0$/, '')}e${Number(exp)}`;
}
