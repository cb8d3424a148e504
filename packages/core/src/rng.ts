/**
 * Seedable, serialisable PRNG (sfc32). Every random source in Kiln derives from one
 * `seed`, and its state goes into checkpoints so a resumed run draws the same numbers.
 */
export type RngState = [number, number, number, number];

/** 32-bit string/number hash (cyrb53-style mix), used to derive independent streams. */
export function hashSeed(...parts: Array<string | number>): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (const ch of parts.join('\u0000')) {
    const c = ch.codePointAt(0)!;
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  return h1 >>> 0;
}

export class Rng {
  private s: RngState;

  /** `seed` plus optional stream names: `new Rng(42, 'shuffle', epoch)`. */
  constructor(seed: number, ...stream: Array<string | number>) {
    const h = hashSeed(seed, ...stream);
    this.s = [h, hashSeed(h, 1), hashSeed(h, 2), 1];
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  nextUint32(): number {
    let [a, b, c, d] = this.s;
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.s = [a, b, c, d];
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }
  /** Uniform in [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Standard normal (Box–Muller). */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  bernoulli(p: number): boolean {
    return this.next() < p;
  }
  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
  /** Random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }
  getState(): RngState {
    return [...this.s] as RngState;
  }
  setState(state: RngState): void {
    this.s = [...state] as RngState;
  }
}

let globalRng: Rng | undefined;
const nativeRandom = Math.random;

/**
 * Seeds every global random source from one number. Libraries that draw from
 * `Math.random` without a seed (tfjs initialisers and dropout) become reproducible
 * because `Math.random` is routed through a seeded stream.
 */
export function seedEverything(seed: number): Rng {
  globalRng = new Rng(seed, 'global');
  const rng = globalRng;
  Math.random = () => rng.next();
  return rng;
}

/** The stream installed by `seedEverything` (throws if none). */
export function globalRandom(): Rng {
  if (!globalRng) throw new Error('seedEverything(seed) has not been called');
  return globalRng;
}

/** Undo `seedEverything` (tests). */
export function restoreMathRandom(): void {
  Math.random = nativeRandom;
  globalRng = undefined;
}
