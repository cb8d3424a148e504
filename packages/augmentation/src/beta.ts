import type { Rng } from '@kiln/core';

/** Gamma(shape, 1) by Marsaglia–Tsang; shapes below 1 use the Gamma(shape + 1)·U^(1/shape) boost. */
export function sampleGamma(shape: number, rng: Rng): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0 (got ${shape})`);
  if (shape < 1) {
    const u = 1 - rng.next(); // (0, 1]: avoids 0^(1/shape) = 0 for every tiny shape
    return sampleGamma(shape + 1, rng) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function sampleBeta(a: number, b: number, rng: Rng): number {
  const x = sampleGamma(a, rng);
  const y = sampleGamma(b, rng);
  const sum = x + y;
  // Both underflow only for tiny shapes; the distribution is then (almost) a fair coin on {0, 1}.
  return sum > 0 ? x / sum : rng.bernoulli(a / (a + b)) ? 1 : 0;
}
