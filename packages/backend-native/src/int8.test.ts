import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { nativeReady } from './__fixtures__/setup.js';
import { createInt8Conv, createInt8Dense, int8Conv2d, int8Dense, int8Support, type Int8Activation, type Int8ConvSpec, type Int8InputType } from './int8.js';
import { loadAddon } from './load-addon.js';
import { int8Ref } from './__fixtures__/int8-ref.js';

const { rng, convRef, denseRef, samePads, quantizePerChannel, act } = int8Ref;

interface ConvCase {
  n: number; h: number; w: number; ci: number; co: number; k: [number, number]; s: [number, number]; d?: [number, number];
  pad: 'same' | 'valid' | [number, number, number, number]; depthwise?: boolean; type: Int8InputType; act: Int8Activation; bias?: boolean;
}

const CASES: ConvCase[] = [
  { n: 2, h: 6, w: 5, ci: 4, co: 8, k: [3, 3], s: [1, 1], pad: 'same', type: 'u8', act: 'linear', bias: true },
  { n: 1, h: 7, w: 9, ci: 3, co: 5, k: [3, 3], s: [2, 2], pad: 'same', type: 's8', act: 'relu', bias: true },
  { n: 3, h: 9, w: 8, ci: 8, co: 16, k: [3, 2], s: [2, 1], d: [2, 2], pad: 'same', type: 'u8', act: 'relu6' },
  { n: 2, h: 8, w: 9, ci: 8, co: 16, k: [3, 3], s: [1, 1], d: [2, 1], pad: 'same', type: 's8', act: 'relu' },
  { n: 2, h: 6, w: 6, ci: 5, co: 3, k: [2, 2], s: [2, 2], pad: [1, 2, 2, 0], type: 's8', act: 'linear', bias: true },
  { n: 257, h: 4, w: 4, ci: 3, co: 4, k: [3, 3], s: [1, 1], pad: 'same', type: 'u8', act: 'relu', bias: true },
  { n: 2, h: 8, w: 8, ci: 4, co: 8, k: [1, 1], s: [2, 2], pad: 'valid', type: 'u8', act: 'linear' },
  { n: 2, h: 7, w: 6, ci: 6, co: 6, k: [3, 3], s: [1, 1], pad: 'same', depthwise: true, type: 'u8', act: 'relu6', bias: true },
  { n: 1, h: 9, w: 9, ci: 4, co: 8, k: [3, 3], s: [2, 2], pad: 'same', depthwise: true, type: 's8', act: 'linear', bias: true },
];

const caseName = (c: ConvCase) =>
  `${c.depthwise ? 'depthwise ' : ''}${c.n}x${c.h}x${c.w}x${c.ci}->${c.co} k${c.k} s${c.s}${c.d ? ` d${c.d}` : ''} ${JSON.stringify(c.pad)} ${c.type} ${c.act}`;

function pads(c: ConvCase): [number, number, number, number] {
  if (Array.isArray(c.pad)) return c.pad;
  const [dh, dw] = c.d ?? [1, 1];
  if (c.pad === 'valid') return [0, 0, 0, 0];
  return [...samePads(c.h, c.k[0], c.s[0], dh), ...samePads(c.w, c.k[1], c.s[1], dw)] as [number, number, number, number];
}

function spec(c: ConvCase, weights: Int8Array, weightScales: Float32Array, inputScale: number, bias?: Float32Array): Int8ConvSpec {
  const [top, bottom, left, right] = pads(c);
  const [dh, dw] = c.d ?? [1, 1];
  return {
    inH: c.h, inW: c.w, inC: c.ci, outC: c.co, kh: c.k[0], kw: c.k[1], strideH: c.s[0], strideW: c.s[1],
    dilationH: dh, dilationW: dw, pad: { top, bottom, left, right }, groups: c.depthwise ? c.ci : 1,
    weights, weightScales, bias, input: { scale: inputScale, type: c.type }, activation: c.act,
  };
}

/**
 * Without VNNI (int8Support().fullRangeWeights false) every output channel whose int8 weights exceed
 * 7 bits is halved (round half to even) with its scale doubled, for convs and denses (the u8·s8 kernels
 * add product pairs in int16); depthwise multiplies in int32 and takes the weights as given. Per channel
 * (last weight dim): whether it is halved.
 */
function halvedChannels(w: Int8Array, co: number, depthwise = false): boolean[] {
  const wide = new Array<boolean>(co).fill(false);
  if (depthwise || int8Support().fullRangeWeights) return wide;
  w.forEach((v, i) => { if (Math.abs(v) > 63) wide[i % co] = true; });
  return wide;
}
const roundHalfEven = (v: number) => (Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v));
/** The weights the kernel really multiplies by (in units of the given scales). */
function effectiveWeights(w: Int8Array, co: number, depthwise = false): Float64Array {
  const h = halvedChannels(w, co, depthwise);
  return Float64Array.from(w, (v, i) => (h[i % co] ? 2 * roundHalfEven(v / 2) : v));
}

describe.skipIf(!nativeReady)('int8 inference kernels (oneDNN)', () => {
  beforeAll(async () => {
    await tf.setBackend('native');
  });

  it('int8Support reports the ISA', () => {
    const s = int8Support();
    expect(s.available).toBe(true);
    expect(typeof s.isa).toBe('string');
    expect(s.fullRangeWeights).toBe(s.vnni || s.amx);
  });

  for (const c of CASES) {
    for (const wbits of [7, 8]) {
      it(`exact on the quantization grid: ${caseName(c)}, ${wbits}-bit weights`, () => {
        const r = rng(c.n * 131 + c.h * 17 + c.co + wbits);
        const wmax = wbits === 8 ? 127 : 63;
        const wLen = c.k[0] * c.k[1] * (c.depthwise ? 1 : c.ci) * c.co;
        const w = Int8Array.from({ length: wLen }, () => r.int(-wmax, wmax));
        const ws = Float32Array.from({ length: c.co }, () => 0.001 + r.next() * 0.02);
        const bias = c.bias ? Float32Array.from({ length: c.co }, () => r.next() * 2 - 1) : undefined;
        const scale = 0.037;
        const qm = c.type === 's8' ? 127 : 255;
        const xq = Int32Array.from({ length: c.n * c.h * c.w * c.ci }, () => r.int(c.type === 's8' ? -qm : 0, qm));
        const x = Float32Array.from(xq, (q) => q * scale);
        const s = spec(c, w, ws, scale, bias);
        const op = createInt8Conv(s);
        const y = tf.tidy(() => int8Conv2d(tf.tensor4d(x, [c.n, c.h, c.w, c.ci]), op));
        const acc = convRef(xq, effectiveWeights(w, c.co, c.depthwise), s, c.n);
        const want = acc.values.map((v, i) => act(v * scale * ws[i % c.co] + (bias ? bias[i % c.co] : 0), c.act));
        expect(y.shape).toEqual([c.n, acc.oh, acc.ow, c.co]);
        const got = y.dataSync();
        const maxAbs = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (Math.abs(want[i]) + 1e-3 * maxAbs));
        expect(worst).toBeLessThan(1e-5);
        y.dispose();
        op.dispose();
      });
    }
  }

  // Quantization error, worst case per output: with x = x̂ + ex (|ex| ≤ sx/2) and w = ŵ + ew
  // (|ew| ≤ sw/2), |conv(x̂, ŵ) − conv(x, w)| ≤ Σ |x̂|·sw/2 + |ŵ|·sx/2 + sx·sw/4 over the taps that
  // read the input. The test asserts that bound element-wise (plus fp32 rounding of tf.conv2d) and
  // that the RMS error stays under the RMS a uniform rounding error predicts (×1.5).
  // (tf.conv2d takes no stride and dilation both above 1: those cases are checked on the grid only.)
  for (const c of CASES.filter((k) => k.n < 100 && !(k.d && k.s.some((v) => v > 1)))) {
    for (const wbits of [7, 8]) {
      it(`against the fp32 conv: ${caseName(c)}, ${wbits}-bit per-channel weights`, () => {
        const r = rng(7 + c.h * 3 + c.co * 11 + wbits);
        const wLen = c.k[0] * c.k[1] * (c.depthwise ? 1 : c.ci) * c.co;
        const wf = Float32Array.from({ length: wLen }, () => r.normal() * 0.3);
        const { q: wq, scales: ws } = quantizePerChannel(wf, c.co, wbits === 8 ? 127 : 63);
        const bias = Float32Array.from({ length: c.co }, () => r.normal() * 0.1);
        const x = Float32Array.from({ length: c.n * c.h * c.w * c.ci }, () => (c.type === 'u8' ? Math.abs(r.normal()) : r.normal()));
        const xmax = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        const sx = xmax / (c.type === 'u8' ? 255 : 127);
        const s = spec(c, wq, ws, sx, bias);
        const [top, bottom, left, right] = pads(c);
        const shape: [number, number, number, number] = [c.n, c.h, c.w, c.ci];
        const wShape: [number, number, number, number] = [c.k[0], c.k[1], c.ci, c.depthwise ? c.co / c.ci : c.co];
        const op = createInt8Conv(s);
        const [got, ref] = tf.tidy(() => {
          const xt = tf.tensor4d(x, shape);
          const explicit: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [top, bottom], [left, right], [0, 0]];
          const conv = c.depthwise
            ? tf.depthwiseConv2d(xt, tf.tensor4d(wf, wShape), c.s, explicit, 'NHWC', c.d ?? 1)
            : tf.conv2d(xt, tf.tensor4d(wf, wShape), c.s, explicit, 'NHWC', c.d ?? 1);
          const lin = tf.add(conv, tf.tensor1d(bias));
          const y = c.act === 'relu' ? tf.relu(lin) : c.act === 'relu6' ? tf.relu6(lin) : lin;
          return [int8Conv2d(xt, op).dataSync(), y.dataSync()];
        });
        op.dispose();
        const xhat = Float64Array.from(x, (v) => Math.min(Math.round(v / sx), c.type === 'u8' ? 255 : 127) * sx);
        const what = Float64Array.from(effectiveWeights(wq, c.co, c.depthwise), (q, i) => q * ws[i % c.co]);
        // A halved channel (8-bit weights, no VNNI) rounds q again to an even number: weight error up to
        // sw/2 + sw (bound factor 3 instead of 1), variance sw²/12 + sw²/2 (7× the uniform one).
        const halved = halvedChannels(wq, c.co, c.depthwise);
        const absX = convRef(xhat.map(Math.abs), new Float64Array(wLen).fill(1), s, c.n).values;
        const absW = convRef(new Float64Array(x.length).fill(1), what.map(Math.abs), s, c.n).values;
        const taps = convRef(new Float64Array(x.length).fill(1), new Float64Array(wLen).fill(1), s, c.n).values;
        const sqX = convRef(xhat.map((v) => v * v), new Float64Array(wLen).fill(1), s, c.n).values;
        const sqW = convRef(new Float64Array(x.length).fill(1), what.map((v) => v * v), s, c.n).values;
        let sqErr = 0, sqPred = 0;
        for (let i = 0; i < ref.length; i++) {
          const swc = ws[i % c.co], wq2 = halved[i % c.co] ? 3 : 1, var2 = halved[i % c.co] ? 7 : 1;
          const bound = absX[i] * swc * wq2 / 2 + absW[i] * sx / 2 + taps[i] * sx * swc * wq2 / 4;
          const err = Math.abs(got[i] - ref[i]);
          expect(err).toBeLessThanOrEqual(bound + 1e-4 * (Math.abs(ref[i]) + 1e-3));
          sqErr += err * err;
          sqPred += (sqX[i] * swc * swc * var2 + sqW[i] * sx * sx) / 12;
        }
        expect(Math.sqrt(sqErr / ref.length)).toBeLessThan(1.5 * Math.sqrt(sqPred / ref.length));
      });
    }
  }

  const denseCases: [Int8InputType, Int8Activation, number, number][] = [['u8', 'relu', 5, 7], ['s8', 'linear', 257, 7], ['s8', 'relu6', 1, 8], ['u8', 'linear', 33, 8]];
  for (const [type, a, rows, wbits] of denseCases) {
    it(`dense exact on the grid: ${rows}x40 -> 24, ${type}, ${a}, ${wbits}-bit weights${wbits === 8 ? ' in half the channels' : ''}; rank-3 input flattens to rows`, () => {
      const r = rng(rows + 3);
      const k = 40, n = 24;
      const w = Int8Array.from({ length: k * n }, (_, i) => (wbits === 8 && i % n < n / 2 ? r.int(-127, 127) : r.int(-63, 63)));
      const ws = Float32Array.from({ length: n }, () => 0.002 + r.next() * 0.01);
      const bias = Float32Array.from({ length: n }, () => r.next() - 0.5);
      const scale = 0.021;
      const xq = Int32Array.from({ length: rows * k }, () => r.int(type === 's8' ? -127 : 0, type === 's8' ? 127 : 255));
      const op = createInt8Dense({ inFeatures: k, outFeatures: n, weights: w, weightScales: ws, bias, input: { scale, type }, activation: a });
      const y = tf.tidy(() => int8Dense(tf.tensor3d(Float32Array.from(xq, (q) => q * scale), [1, rows, k]), op));
      expect(y.shape).toEqual([1, rows, n]);
      const want = denseRef(xq, effectiveWeights(w, n), rows, k, n).map((v, i) => act(v * scale * ws[i % n] + bias[i % n], a));
      const got = y.dataSync();
      const maxAbs = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-5 * (Math.abs(want[i]) + 1e-3 * maxAbs));
      y.dispose();
      op.dispose();
    });
  }

  it('quantizes the input as q = clamp(round_half_even(x / scale)), NaN → 0 (1×1 conv, weight 1)', () => {
    const x = [0.25, 0.75, 1.25, -0.25, -0.75, 1000, -1000, NaN, Infinity, 63.4];
    const want: Record<Int8InputType, number[]> = {
      u8: [0, 2, 2, 0, 0, 255, 0, 0, 255, 127],
      s8: [0, 2, 2, 0, -2, 127, -127, 0, 127, 127],
    };
    for (const type of ['u8', 's8'] as const) {
      const op = createInt8Conv({
        inH: 1, inW: x.length, inC: 1, outC: 1, kh: 1, kw: 1, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1,
        pad: { top: 0, bottom: 0, left: 0, right: 0 }, groups: 1, weights: Int8Array.of(1), weightScales: Float32Array.of(1),
        input: { scale: 0.5, type },
      });
      const y = tf.tidy(() => int8Conv2d(tf.tensor4d(x, [1, 1, x.length, 1]), op).dataSync());
      expect(Array.from(y)).toEqual(want[type].map((q) => q * 0.5));
      op.dispose();
    }
  });

  it('same results across many batch sizes (primitive cache per batch size, evicted past 8 sizes)', () => {
    const c = CASES[0];
    const r = rng(99);
    const w = Int8Array.from({ length: 3 * 3 * 4 * 8 }, () => r.int(-63, 63));
    const ws = Float32Array.from({ length: 8 }, () => 0.01 + r.next() * 0.01);
    const s = spec(c, w, ws, 0.05);
    const op = createInt8Conv(s);
    const xq = Int32Array.from({ length: 13 * 6 * 5 * 4 }, () => r.int(0, 255));
    const x = tf.tensor4d(Float32Array.from(xq, (q) => q * 0.05), [13, 6, 5, 4]);
    const full = tf.tidy(() => int8Conv2d(x, op).dataSync());
    const rowLen = 6 * 5 * 8;
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 1, 7]) {
      const got = tf.tidy(() => int8Conv2d(tf.slice(x, [0, 0, 0, 0], [n, 6, 5, 4]) as tf.Tensor4D, op).dataSync());
      expect(Array.from(got)).toEqual(Array.from(full.subarray(0, n * rowLen)));
    }
    x.dispose();
    op.dispose();
  });

  it('does not leak tensors inside tf.tidy; dispose frees the native handle; a disposed op throws', () => {
    const addon = loadAddon()!;
    const before = addon.int8OpCount();
    const c = CASES[0];
    const op = createInt8Conv(spec(c, new Int8Array(3 * 3 * 4 * 8).fill(1), new Float32Array(8).fill(0.01), 0.1));
    expect(addon.int8OpCount()).toBe(before + 1);
    const tensors = tf.memory().numTensors;
    tf.tidy(() => { int8Conv2d(tf.ones([2, 6, 5, 4]) as tf.Tensor4D, op); });
    expect(tf.memory().numTensors).toBe(tensors);
    op.dispose();
    op.dispose();
    expect(addon.int8OpCount()).toBe(before);
    expect(() => int8Conv2d(tf.ones([2, 6, 5, 4]) as tf.Tensor4D, op)).toThrow(/disposed/);
  });

  it('rejects bad specs and inputs with errors naming the argument', () => {
    const c = CASES[0];
    const good = () => spec(c, new Int8Array(3 * 3 * 4 * 8), new Float32Array(8).fill(0.01), 0.1);
    expect(() => createInt8Conv({ ...good(), weights: new Int8Array(5) })).toThrow(RangeError);
    expect(() => createInt8Conv({ ...good(), weights: new Int8Array(5) })).toThrow(/weights has 5 elements, expected 288/);
    expect(() => createInt8Conv({ ...good(), weights: new Float32Array(288) as unknown as Int8Array })).toThrow(TypeError);
    expect(() => createInt8Conv({ ...good(), weightScales: new Float32Array(8) })).toThrow(/weightScales\[0\] must be finite and > 0/);
    expect(() => createInt8Conv({ ...good(), weightScales: new Float32Array(7).fill(1) })).toThrow(/weightScales has 7 elements, expected 8/);
    expect(() => createInt8Conv({ ...good(), input: { scale: NaN, type: 'u8' } })).toThrow(/input.scale/);
    expect(() => createInt8Conv({ ...good(), input: { scale: 0, type: 'u8' } })).toThrow(RangeError);
    expect(() => createInt8Conv({ ...good(), groups: 3 })).toThrow(/groups must be 1 \(conv\) or inC/);
    expect(() => createInt8Conv({ ...good(), groups: 4, outC: 6, weights: new Int8Array(54), weightScales: new Float32Array(6).fill(1) })).toThrow(/groups 4 does not divide outC 6/);
    expect(() => createInt8Conv({ ...good(), kh: 2.5 })).toThrow(/kh must be an integer/);
    expect(() => createInt8Conv({ ...good(), bias: Float32Array.of(1, NaN, 0, 0, 0, 0, 0, 0) })).toThrow(/bias\[1\] is not finite/);
    expect(() => createInt8Conv({ ...good(), inH: 1, pad: { top: 0, bottom: 0, left: 0, right: 0 } })).toThrow(/larger than the padded/);
    expect(() => createInt8Dense({ inFeatures: 4, outFeatures: 2, weights: new Int8Array(7), weightScales: new Float32Array(2).fill(1), input: { scale: 1, type: 's8' } }))
      .toThrow(/weights has 7 elements, expected 8/);
    const op = createInt8Conv(good());
    expect(() => int8Conv2d(tf.ones([2, 6, 6, 4]) as tf.Tensor4D, op)).toThrow(/x has shape \[2, 6, 6, 4\], the op expects \[n, 6, 5, 4\]/);
    expect(() => int8Dense(tf.ones([2, 4]), op)).toThrow(/expected dense/);
    op.dispose();
  });

  it('refuses to run on another backend', async () => {
    const op = createInt8Dense({ inFeatures: 4, outFeatures: 2, weights: new Int8Array(8), weightScales: new Float32Array(2).fill(1), input: { scale: 1, type: 's8' } });
    await tf.setBackend('cpu');
    try {
      expect(() => int8Dense(tf.ones([2, 4]), op)).toThrow(/int8 inference needs the native backend/);
    } finally {
      await tf.setBackend('native');
      op.dispose();
    }
  });
});

describe.skipIf(!nativeReady)('int8 op finalizer', () => {
  // A child with --expose-gc (the package as built: dist/, as conv2d.test.ts's child does).
  const script = `
    import { createRequire } from 'node:module';
    import { dirname, join } from 'node:path';
    import { createInt8Dense } from '@kiln/backend-native';
    const req = createRequire(join(process.cwd(), 'package.json'));
    const addon = req(join(dirname(req.resolve('@kiln/backend-native/package.json')), 'build', 'Release', 'kiln_native.node'));
    const before = addon.int8OpCount();
    for (let i = 0; i < 50; i++) {
      createInt8Dense({ inFeatures: 4, outFeatures: 2, weights: new Int8Array(8), weightScales: new Float32Array(2).fill(1), input: { scale: 1, type: 'u8' } });
    }
    const made = addon.int8OpCount() - before;
    for (let i = 0; i < 20 && addon.int8OpCount() > before; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    console.log('RESULT ' + made + ' ' + (addon.int8OpCount() - before));`;

  it('frees the native handle of an op that was dropped without dispose()', () => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const [made, left] = (/RESULT (\d+) (\d+)/.exec(r.stdout) ?? []).slice(1).map(Number);
    expect(made).toBe(50);
    expect(left).toBe(0);
  });
});
