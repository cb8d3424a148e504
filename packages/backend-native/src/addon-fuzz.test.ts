import { describe, expect, it } from 'vitest';
import { loadAddon, threadCount } from './load-addon.js';

/**
 * Seeded property test of the addon's trust boundary: every entry point is
 * called with random argument counts, types, lengths and shapes for a bounded
 * time. Each call must either succeed or throw a clean JS error (TypeError /
 * RangeError / "kiln native" Error), and must never write outside the typed
 * arrays it was given: every array is a view with guard bytes on both sides.
 */
const addon = loadAddon() as unknown as Record<string, (...a: unknown[]) => unknown> | null;

type Kind = 'f32' | 'i32' | 'i8' | 'u8' | 'any' | 'num' | 'op' | 'int' | 'bool' | 'dims' | 'optf32' | 'params20' | 'params12';
const SIGS: Record<string, Kind[]> = {
  setThreads: ['int'],
  hugePageAlign: ['f32', 'int'],
  setPrecision: ['op', 'bool'],
  convForward: ['params20', 'f32', 'f32', 'optf32', 'f32', 'num'],
  convBackwardData: ['params20', 'f32', 'f32', 'f32'],
  convBackwardFilter: ['params20', 'f32', 'f32', 'f32', 'optf32'],
  gemm: ['f32', 'f32', 'f32', 'int', 'int', 'int', 'int', 'bool', 'bool', 'int', 'int', 'op', 'optf32', 'op', 'num'],
  maxPool: ['params12', 'f32', 'f32'],
  avgPool: ['params12', 'f32', 'f32'],
  maxPoolGrad: ['params12', 'f32', 'f32', 'f32'],
  avgPoolGrad: ['params12', 'f32', 'f32'],
  unary: ['op', 'f32', 'f32', 'num', 'num'],
  unaryGrad: ['op', 'f32', 'f32', 'f32', 'num', 'num'],
  select: ['u8', 'f32', 'f32', 'f32'],
  cast: ['any', 'any', 'bool'],
  fill: ['any', 'num'],
  binaryStrided: ['op', 'any', 'any', 'any', 'dims', 'dims', 'dims'],
  reduce: ['op', 'f32', 'int', 'int', 'int', 'f32'],
  reduceStrided: ['op', 'f32', 'dims', 'dims', 'dims', 'dims', 'any'],
  copyStrided: ['any', 'any', 'dims', 'dims', 'int', 'dims', 'int'],
  tile: ['any', 'dims', 'dims', 'any'],
  oneHot: ['i32', 'int', 'num', 'num', 'any'],
  batchNorm: ['f32', 'f32', 'f32', 'optf32', 'optf32', 'num', 'int', 'f32'],
  batchNormGrad: ['f32', 'f32', 'f32', 'f32', 'optf32', 'num', 'int', 'f32', 'f32', 'f32', 'f32', 'f32'],
  batchNormGradFull: ['f32', 'f32', 'f32', 'f32', 'optf32', 'num', 'f32', 'f32', 'f32', 'f32'],
  layerNorm: ['f32', 'f32', 'f32', 'int', 'num', 'f32'],
  layerNormGrad: ['f32', 'f32', 'f32', 'int', 'num', 'f32', 'f32', 'f32'],
  batchNormTrain: ['f32', 'f32', 'f32', 'int', 'num', 'f32', 'f32', 'f32'],
  batchNormTrainGrad: ['f32', 'f32', 'f32', 'f32', 'f32', 'optf32', 'optf32', 'int', 'num', 'f32', 'f32', 'f32'],
  softmax: ['f32', 'int', 'f32', 'bool'],
  softmaxGrad: ['f32', 'f32', 'int', 'f32', 'bool'],
  adam: ['f32', 'f32', 'f32', 'f32', 'f32', 'f32', 'f32', 'num', 'num', 'num', 'num', 'int', 'num', 'bool'],
  sgd: ['f32', 'f32', 'optf32', 'f32', 'optf32', 'num', 'num', 'num', 'bool', 'num', 'bool'],
  rmsprop: ['f32', 'f32', 'f32', 'optf32', 'optf32', 'f32', 'f32', 'optf32', 'optf32', 'num', 'num', 'num', 'num', 'bool', 'num'],
  int8ConvCreate: ['i32', 'i8', 'f32', 'optf32', 'num'],
  int8DenseCreate: ['i32', 'i8', 'f32', 'optf32', 'num'],
  int8Run: ['int', 'f32', 'int', 'f32'],
  int8Impl: ['int', 'int'],
  int8Dispose: ['int'],
};

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)] };
}

const GUARD = 16, PATTERN = 0xa5;
interface Guarded { view: Float32Array | Int32Array | Uint8Array | Int8Array; bytes: Uint8Array; len: number; elem: number }
const guarded: Guarded[] = [];

function makeArray(ctor: Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor | Int8ArrayConstructor, len: number) {
  const elem = ctor.BYTES_PER_ELEMENT;
  const buf = new ArrayBuffer(GUARD * 2 + len * elem);
  const bytes = new Uint8Array(buf);
  bytes.fill(PATTERN);
  const view = new ctor(buf, GUARD, len);
  for (let i = 0; i < len; i++) view[i] = ctor === Uint8Array ? i & 1 : (i % 7) - 2;
  guarded.push({ view, bytes, len, elem });
  return view;
}

function guardsIntact(): boolean {
  return guarded.every(({ bytes, len, elem }) => {
    for (let i = 0; i < GUARD; i++) if (bytes[i] !== PATTERN || bytes[GUARD + len * elem + i] !== PATTERN) return false;
    return true;
  });
}

function arg(r: ReturnType<typeof rng>, kind: Kind): unknown {
  // One argument in ten has the wrong type altogether.
  if (r.next() < 0.1) return r.pick<unknown>([undefined, null, 'x', {}, [], 1.5, -1, true, new Float64Array(3), makeArray(Uint8Array, 4)]);
  const len = () => r.pick([0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 27, 32, 64, 100]);
  switch (kind) {
    case 'f32': return makeArray(Float32Array, len());
    case 'optf32': return r.next() < 0.3 ? null : makeArray(Float32Array, len());
    case 'i32': return makeArray(Int32Array, len());
    case 'u8': return makeArray(Uint8Array, len());
    case 'i8': return makeArray(Int8Array, len());
    case 'any': return makeArray(r.pick<Float32ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor>([Float32Array, Int32Array, Uint8Array]), len());
    case 'num': return r.pick([0, 1, -1, 0.5, 1e-5, 6, 1e30, NaN, Infinity]);
    case 'op': return r.int(-1, 30);
    case 'int': return r.pick([0, 1, 2, 3, 4, 5, 8, 16, -1, 2 ** 31, 2.5]);
    case 'bool': return r.next() < 0.5;
    case 'dims': {
      const a = makeArray(Int32Array, r.int(0, 4));
      for (let i = 0; i < a.length; i++) a[i] = r.pick([0, 1, 2, 3, 4, 5, -1, 64]);
      return a;
    }
    case 'params20': case 'params12': {
      const a = makeArray(Int32Array, kind === 'params20' ? 20 : 12);
      for (let i = 0; i < a.length; i++) a[i] = r.pick([0, 1, 1, 2, 2, 3, 4, -1, 5]);
      return a;
    }
  }
}

type R = ReturnType<typeof rng>;
const F = (n: number) => makeArray(Float32Array, n);
const I = (xs: number[]) => {
  const a = makeArray(Int32Array, xs.length);
  a.set(xs);
  return a;
};
const prod = (xs: number[]) => xs.reduce((p, q) => p * q, 1);
const rowMajor = (shape: number[]) => shape.map((_, d) => prod(shape.slice(d + 1)));

/** Valid calls built from random shapes (then mutated by one argument). */
const VALID: Partial<Record<string, (r: R) => unknown[]>> = {
  unary: (r) => { const n = r.int(0, 40); return [r.int(0, 25), F(n), F(n), 0.1, 3]; },
  unaryGrad: (r) => { const n = r.int(0, 40); return [r.int(0, 9), F(n), F(n), F(n), 0, 6]; },
  select: (r) => { const rows = r.int(1, 5), inner = r.int(1, 5), n = rows * inner; return [makeArray(Uint8Array, r.next() < 0.5 ? n : rows), F(n), F(n), F(n)]; },
  cast: (r) => { const n = r.int(0, 30); return [F(n), makeArray(Int32Array, n), false]; },
  binaryStrided: (r) => {
    const shape = [r.int(1, 4), r.int(1, 4), r.int(1, 6)], bShape = [shape[0], 1, shape[2]];
    const sb = rowMajor(bShape).map((v, d) => (d === 1 ? 0 : v));
    return [r.int(0, 8), F(prod(shape)), F(prod(bShape)), F(prod(shape)), I(shape), I(rowMajor(shape)), I(sb)];
  },
  reduce: (r) => { const o = r.int(0, 4), m = r.int(1, 5), i = r.int(1, 6); return [r.int(0, 4), F(o * m * i), o, m, i, F(o * i)]; },
  reduceStrided: (r) => {
    const shape = [r.int(1, 4), r.int(1, 4), r.int(1, 5)], st = rowMajor(shape);
    return [r.int(0, 3), F(prod(shape)), I([shape[1]]), I([st[1]]), I([shape[0], shape[2]]), I([st[0], st[2]]), F(shape[1])];
  },
  copyStrided: (r) => {
    const shape = [r.int(1, 4), r.int(1, 4), r.int(1, 5)], st = rowMajor(shape);
    const perm = [2, 0, 1], out = perm.map((p) => shape[p]);
    return [F(prod(shape)), F(prod(shape)), I(out), I(perm.map((p) => st[p])), 0, I(rowMajor(out)), 0];
  },
  tile: (r) => { const xs = [r.int(1, 3), r.int(1, 4)], reps = [r.int(1, 3), r.int(1, 3)]; return [F(prod(xs)), I(xs), I(reps), F(prod(xs) * prod(reps))]; },
  oneHot: (r) => { const n = r.int(0, 6), d = r.int(1, 5); return [I(Array.from({ length: n }, () => r.int(-1, 6))), d, 1, 0, F(n * d)]; },
  batchNorm: (r) => { const c = r.int(1, 5), n = c * r.int(1, 4); return [F(n), F(c), F(c), F(c), null, 1e-3, c, F(n)]; },
  batchNormGrad: (r) => { const c = r.int(1, 5), n = c * r.int(1, 4); return [F(n), F(n), F(c), F(c), F(c), 1e-3, c, F(n), F(c), F(c), F(c), F(c)]; },
  layerNorm: (r) => { const c = r.int(1, 6), n = c * r.int(1, 4); return [F(n), F(c), F(c), c, 1e-5, F(n)]; },
  layerNormGrad: (r) => { const c = r.int(1, 6), n = c * r.int(1, 4); return [F(n), F(c), F(n), c, 1e-5, F(n), F(c), F(c)]; },
  batchNormTrain: (r) => { const c = r.int(1, 6), n = c * r.int(1, 4); return [F(n), F(c), F(c), c, 1e-5, F(n), F(c), F(c)]; },
  batchNormTrainGrad: (r) => {
    const c = r.int(1, 6), n = c * r.int(1, 4);
    return [F(n), F(n), F(c), F(c), F(c), r.next() < 0.5 ? F(c) : null, null, c, 1e-5, F(n), F(c), F(c)];
  },
  softmax: (r) => { const c = r.int(1, 6), n = c * r.int(1, 4); return [F(n), c, F(n), r.next() < 0.5]; },
  adam: (r) => { const n = r.int(0, 30); return [F(n), F(n), F(n), F(n), F(n), F(n), F(n), 0.01, 0.9, 0.99, 1e-8, 1, 0, false]; },
  gemm: (r) => {
    const b = r.int(1, 3), m = r.int(1, 4), n = r.int(1, 4), k = r.int(1, 4);
    return [F(b * m * k), F(b * k * n), F(b * m * n), b, m, n, k, false, false, m * k, k * n, r.int(0, 1), F(n), 1, 0];
  },
  maxPool: (r) => {
    const n = r.int(1, 2), ih = r.int(2, 5), iw = r.int(2, 5), c = r.int(1, 3), k = 2, s = 1, oh = ih - 1, ow = iw - 1;
    return [I([n, ih, iw, c, oh, ow, k, k, s, s, 0, 0]), F(n * ih * iw * c), F(n * oh * ow * c)];
  },
  int8ConvCreate: (r) => {
    const ih = r.int(3, 5), iw = r.int(3, 5), ic = r.int(1, 3), dw = r.next() < 0.3, oc = dw ? ic * r.int(1, 2) : r.int(1, 3), k = r.int(1, 3);
    const p = [ih, iw, ic, oc, k, k, r.int(1, 2), 1, 1, r.int(1, 2), 1, 0, 0, 1, dw ? ic : 1, r.int(0, 2), r.int(0, 1)];
    return [I(p), makeArray(Int8Array, k * k * (dw ? 1 : ic) * oc), F(oc).fill(0.5), r.next() < 0.5 ? F(oc) : null, 0.1];
  },
  int8DenseCreate: (r) => {
    const k = r.int(1, 6), n = r.int(1, 5);
    return [I([k, n, r.int(0, 2), r.int(0, 1)]), makeArray(Int8Array, k * n), F(n).fill(0.25), r.next() < 0.5 ? F(n) : null, 0.5];
  },
  int8Run: (r) => { const b = r.int(1, 3); return [r.int(1, 6), F(b * r.pick([1, 4, 6, 16, 25])), b, F(b * r.pick([1, 2, 4, 9, 24]))]; },
  convForward: (r) => {
    const n = r.int(1, 2), ih = r.int(3, 5), iw = r.int(3, 5), ic = r.int(1, 3), oc = r.int(1, 3), k = 3, oh = ih - 2, ow = iw - 2;
    return [I([n, ih, iw, ic, oh, ow, oc, k, k, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1]), F(n * ih * iw * ic), F(k * k * ic * oc), F(oc), F(n * oh * ow * oc), 0];
  },
};

function mutate(r: R, args: unknown[]): unknown[] {
  const out = [...args];
  const i = r.int(0, out.length - 1);
  const v = out[i];
  if (ArrayBuffer.isView(v)) {
    const t = v as Float32Array | Int32Array | Uint8Array;
    const len = Math.max(0, t.length + r.pick([-1, 1, -2, 3]));
    const c = makeArray(t.constructor as Float32ArrayConstructor, len);
    c.set(t.subarray(0, Math.min(len, t.length)));
    if (c instanceof Int32Array && r.next() < 0.5 && c.length > 0) c[r.int(0, c.length - 1)] += r.pick([-1, 1, 7]);
    out[i] = c;
  } else if (typeof v === 'number') {
    out[i] = v + r.pick([-1, 1, 5]);
  }
  return out;
}

function cleanError(e: unknown): boolean {
  return e instanceof TypeError || e instanceof RangeError || (e instanceof Error && /kiln native/.test(e.message));
}

describe.skipIf(!addon)('native addon entry points never trust their caller (seeded fuzz)', () => {
  it('exposes exactly the fuzzed entry points', () => {
    const fns = Object.keys(addon ?? {}).filter((k) => typeof addon?.[k] === 'function' && k !== 'info' && k !== 'convCacheSize' && k !== 'precisionInfo' &&
      k !== 'int8Support' && k !== 'int8OpCount');
    expect(fns.sort()).toEqual(Object.keys(SIGS).sort());
  });

  it('random calls for 3 s: only clean JS errors, no writes outside the arrays', () => {
    const a = addon as NonNullable<typeof addon>;
    const r = rng(20261201);
    const deadline = Date.now() + 3000;
    let calls = 0, ok = 0;
    const bad: string[] = [];
    while (Date.now() < deadline && bad.length === 0) {
      const name = r.pick(Object.keys(SIGS));
      const sig = SIGS[name];
      guarded.length = 0;
      const valid = VALID[name];
      let args = valid && r.next() < 0.6 ? valid(r) : sig.map((k) => arg(r, k));
      if (valid && r.next() < 0.7) args = mutate(r, args);
      if (r.next() < 0.05) args = args.slice(0, r.int(0, args.length - 1));
      calls++;
      try {
        a[name](...args);
        ok++;
      } catch (e) {
        if (!cleanError(e)) bad.push(`${name}: ${String(e)}`);
      }
      if (!guardsIntact()) bad.push(`${name} wrote outside an array (call ${calls})`);
    }
    a.setThreads(threadCount());
    a.setPrecision(0, false);
    console.log(`fuzz: ${calls} calls, ${ok} valid`);
    expect(bad).toEqual([]);
    expect(calls).toBeGreaterThan(1000);
    expect(ok).toBeGreaterThan(0); // some random calls are valid and really run
  });
});
