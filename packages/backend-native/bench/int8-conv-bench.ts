/**
 * Kernel microbench of Kiln's int8 inference (issue #23): fp32 native conv/dense (tf.fused.conv2d /
 * tf.fused.matMul with bias + ReLU on the `native` backend) against int8Conv2d / int8Dense on the same
 * layer (per-channel 7-bit weights, u8 input, bias + ReLU fused), batch 256, simple_cnn's layers
 * (32×32×3→32, 16×16×32→64, 8×8×64→128, 3×3 'same'; dense 2048→128) plus a depthwise 3×3, 1×1 convs
 * and s8-input convs. Per call: quantize + int8 primitive + float32 output, all in the timing. Medians.
 *   flock /tmp/kiln-bench.lock npx tsx packages/backend-native/bench/int8-conv-bench.ts [--reps=20] [--batch=256]
 * ONEDNN_VERBOSE=1 prints the implementation of every call (the table prints it per int8 layer).
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { createInt8Conv, createInt8Dense, int8Conv2d, int8Dense, int8Support, nativeInfo, registerNativeBackend, type Int8InputType, type Int8Op } from '../src/index.js';

interface Layer {
  name: string; h: number; w: number; ci: number; co: number; depthwise?: boolean; dense?: boolean; type?: Int8InputType;
  /** Kernel size (default 3, 'same' padding). */
  k?: number;
  /** KILN_INT8_NO_SHIFT=1 at create: s8 input on oneDNN's own s8 path (no VNNI: weights halved). */
  noShift?: boolean;
}

const LAYERS: Layer[] = [
  { name: 'conv 32x32x3->32', h: 32, w: 32, ci: 3, co: 32 },
  { name: 'conv 16x16x32->64', h: 16, w: 16, ci: 32, co: 64 },
  { name: 'conv 8x8x64->128', h: 8, w: 8, ci: 64, co: 128 },
  { name: 'conv 16x16x32->64 s8 input', h: 16, w: 16, ci: 32, co: 64, type: 's8' },
  { name: 'conv 16x16x32->64 s8 input, oneDNN s8 path', h: 16, w: 16, ci: 32, co: 64, type: 's8', noShift: true },
  { name: 'depthwise 16x16x64', h: 16, w: 16, ci: 64, co: 64, depthwise: true },
  { name: 'conv 1x1 16x16x64->128', h: 16, w: 16, ci: 64, co: 128, k: 1 },
  { name: 'conv 1x1 16x16x64->128 s8 input', h: 16, w: 16, ci: 64, co: 128, k: 1, type: 's8' },
  { name: 'dense 2048->128', h: 1, w: 1, ci: 2048, co: 128, dense: true },
];

function flag(args: string[], name: string, dflt: string): string {
  const a = args.find((s) => s.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Median ms per call of `a` and of `b` (outputs disposed), after 3 warm-up calls each. The calls
 * alternate, so both see the same background load on a shared machine.
 */
function timePair(a: () => tf.Tensor, b: () => tf.Tensor, reps: number): [number, number] {
  for (let i = 0; i < 3; i++) {
    a().dispose();
    b().dispose();
  }
  const ta: number[] = [], tb: number[] = [];
  for (let i = 0; i < reps; i++) {
    for (const [fn, out] of [[a, ta], [b, tb]] as [() => tf.Tensor, number[]][]) {
      const t0 = performance.now();
      const y = fn();
      out.push(performance.now() - t0);
      y.dispose();
    }
  }
  return [median(ta), median(tb)];
}

function perChannel(w: Float32Array, co: number, qmax: number) {
  const scales = new Float32Array(co);
  for (let i = 0; i < w.length; i++) scales[i % co] = Math.max(scales[i % co], Math.abs(w[i]));
  for (let c = 0; c < co; c++) scales[c] = scales[c] / qmax || 1;
  return { q: Int8Array.from(w, (v, i) => Math.round(v / scales[i % co])), scales };
}

/**
 * simple_cnn's forward at inference (BN folded into the convs): 3 × (3×3 conv + ReLU, 2×2 max-pool),
 * flatten, dense 2048→128 + ReLU, dense 128→6; fp32 fused kernels against int8 convs/denses with the
 * pools in fp32 between them. Input scales calibrated on the same batch (max |input| per layer).
 */
function chain(batch: number, reps: number): [number, number] {
  const conv = [[3, 32], [32, 64], [64, 128]].map(([ci, co], i) => ({
    w: tf.randomNormal([3, 3, ci, co], 0, Math.sqrt(2 / (9 * ci)), 'float32', 10 + i) as tf.Tensor4D,
    b: tf.randomNormal([co], 0, 0.05, 'float32', 20 + i) as tf.Tensor1D,
  }));
  const dense = [[2048, 128], [128, 6]].map(([k, n], i) => ({
    w: tf.randomNormal([k, n], 0, Math.sqrt(2 / k), 'float32', 30 + i) as tf.Tensor2D,
    b: tf.randomNormal([n], 0, 0.05, 'float32', 40 + i) as tf.Tensor1D,
  }));
  const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 50) as tf.Tensor4D;
  const maxima: number[] = [];
  const fp32 = (record = false) => tf.tidy(() => {
    const see = (t: tf.Tensor) => { if (record) maxima.push(tf.max(tf.abs(t)).dataSync()[0]); };
    let h: tf.Tensor4D = x;
    for (const c of conv) {
      see(h);
      h = tf.maxPool(tf.fused.conv2d({ x: h, filter: c.w, strides: 1, pad: 'same', bias: c.b, activation: 'relu' }), 2, 2, 'valid');
    }
    let f: tf.Tensor2D = tf.reshape(h, [batch, 2048]);
    see(f);
    f = tf.fused.matMul({ a: f, b: dense[0].w, bias: dense[0].b, activation: 'relu' }) as tf.Tensor2D;
    see(f);
    return tf.fused.matMul({ a: f, b: dense[1].w, bias: dense[1].b });
  });
  fp32(true).dispose();
  const convOps = conv.map((c, i) => {
    const ci = c.w.shape[2], co = c.w.shape[3];
    const { q, scales } = perChannel(c.w.dataSync() as Float32Array, co, 63);
    const type: Int8InputType = i === 0 ? 's8' : 'u8';
    return createInt8Conv({
      inH: 32 >> i, inW: 32 >> i, inC: ci, outC: co, kh: 3, kw: 3, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1,
      pad: { top: 1, bottom: 1, left: 1, right: 1 }, groups: 1, weights: q, weightScales: scales,
      bias: c.b.dataSync() as Float32Array, input: { scale: maxima[i] / (type === 's8' ? 127 : 255), type }, activation: 'relu',
    });
  });
  const denseOps = dense.map((d, i) => {
    const [k, n] = d.w.shape;
    const { q, scales } = perChannel(d.w.dataSync() as Float32Array, n, 63);
    return createInt8Dense({
      inFeatures: k, outFeatures: n, weights: q, weightScales: scales, bias: d.b.dataSync() as Float32Array,
      input: { scale: maxima[3 + i] / 255, type: 'u8' }, activation: i === 0 ? 'relu' : 'linear',
    });
  });
  const int8 = () => tf.tidy(() => {
    let h: tf.Tensor4D = x;
    for (const op of convOps) h = tf.maxPool(int8Conv2d(h, op), 2, 2, 'valid');
    return int8Dense(int8Dense(tf.reshape(h, [batch, 2048]), denseOps[0]), denseOps[1]);
  });
  const r = timePair(() => fp32(), int8, reps);
  [...convOps, ...denseOps].forEach((op) => op.dispose());
  tf.dispose([x, ...conv.flatMap((c) => [c.w, c.b]), ...dense.flatMap((d) => [d.w, d.b])]);
  return r;
}

function main(): void {
  const args = process.argv.slice(2);
  const reps = Number(flag(args, 'reps', '20'));
  const batch = Number(flag(args, 'batch', '256'));
  if (!registerNativeBackend()) throw new Error('native addon not built');
  tf.setBackend('native');
  const info = nativeInfo();
  const sup = int8Support();
  console.log(`${info.library}, ${info.threads} threads; int8: isa ${sup.isa}, vnni ${sup.vnni}, amx ${sup.amx}; batch ${batch}, ${reps} reps; load ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  console.log('| layer | fp32 ms | int8 ms | int8/fp32 speed-up | int8 impl |');
  console.log('|---|---:|---:|---:|---|');
  for (const l of LAYERS) {
    const type = l.type ?? 'u8';
    const k = l.k ?? 3, p = (k - 1) / 2;
    const wShape: [number, number, number, number] = [k, k, l.ci, l.depthwise ? 1 : l.co];
    const wf = tf.tidy(() => (l.dense ? tf.randomNormal([l.ci, l.co], 0, 0.05, 'float32', 1) : tf.randomNormal(wShape, 0, 0.1, 'float32', 1)));
    const bias = tf.randomNormal([l.co], 0, 0.1, 'float32', 2);
    const x = tf.tidy(() => {
      const r = l.dense ? tf.randomNormal([batch, l.ci], 0, 1, 'float32', 3) : tf.randomNormal([batch, l.h, l.w, l.ci], 0, 1, 'float32', 3);
      return type === 'u8' ? tf.relu(r) : r;
    });
    const xmax = tf.tidy(() => tf.max(tf.abs(x)).dataSync()[0]);
    const { q, scales } = perChannel(wf.dataSync() as Float32Array, l.co, 63);
    const input = { scale: xmax / (type === 'u8' ? 255 : 127), type };
    const bv = bias.dataSync() as Float32Array;
    let op: Int8Op;
    let fp32: () => tf.Tensor, int8: () => tf.Tensor;
    if (l.dense) {
      op = createInt8Dense({ inFeatures: l.ci, outFeatures: l.co, weights: q, weightScales: scales, bias: bv, input, activation: 'relu' });
      fp32 = () => tf.fused.matMul({ a: x as tf.Tensor2D, b: wf as tf.Tensor2D, bias, activation: 'relu' });
      int8 = () => int8Dense(x, op);
    } else {
      if (l.noShift) process.env.KILN_INT8_NO_SHIFT = '1';
      op = createInt8Conv({
        inH: l.h, inW: l.w, inC: l.ci, outC: l.co, kh: k, kw: k, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1,
        pad: { top: p, bottom: p, left: p, right: p }, groups: l.depthwise ? l.ci : 1, weights: q, weightScales: scales,
        bias: bv, input, activation: 'relu',
      });
      delete process.env.KILN_INT8_NO_SHIFT;
      const x4 = x as tf.Tensor4D, w4 = wf as tf.Tensor4D;
      fp32 = l.depthwise
        ? () => tf.fused.depthwiseConv2d({ x: x4, filter: w4, strides: 1, pad: 'same', bias, activation: 'relu' })
        : () => tf.fused.conv2d({ x: x4, filter: w4, strides: 1, pad: 'same', bias, activation: 'relu' });
      int8 = () => int8Conv2d(x4, op);
    }
    const [f, i] = timePair(fp32, int8, reps);
    console.log(`| ${l.name} | ${f.toFixed(2)} | ${i.toFixed(2)} | ${(f / i).toFixed(2)}× | ${op.impl(batch)} |`);
    op.dispose();
    tf.dispose([wf, bias, x]);
  }
  const [cf, ci] = chain(batch, reps);
  console.log(`| simple_cnn forward (3 conv+pool, 2 dense; BN folded) | ${cf.toFixed(2)} | ${ci.toFixed(2)} | ${(cf / ci).toFixed(2)}× | (${((batch * 1000) / cf).toFixed(0)} vs ${((batch * 1000) / ci).toFixed(0)} img/s) |`);
  console.log(`load after: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
}

main();
