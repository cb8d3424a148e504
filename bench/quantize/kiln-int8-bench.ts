/**
 * Kiln's own int8 inference (`--quantize=int8`: @kiln/quantize on backend-native's oneDNN int8
 * kernels) against Kiln fp32, predict at batch 256 (net.predict → softmax → read back, what
 * `kiln test` runs; tfjs predict feeds the kernels 32 rows at a time unless --predict-batch=256), zoo models at their default config, 32×32×3, 6 classes, random weights
 * (calibrated on 4 random batches: speed only; quality is measured with `kiln test`, see README).
 * fp32 and int8 are two copies of one model; their windows alternate, medians of --windows.
 * --profile prints per-kernel wall time of one int8 and one fp32 forward (where the time goes).
 *   flock /tmp/kiln-bench.lock npx tsx bench/quantize/kiln-int8-bench.ts [--models=simple_cnn,resnet,mobilenet_v2] [--seconds=1] [--windows=5] [--full-range] [--profile] [--keep-fp32=layer,…] [--predict-batch=32|256]
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'yaml';
import { isKernelTimingBackend } from '@kiln/contracts';
import { ComponentBuilder, createRegistries } from '@kiln/core';
import { initEngine } from '@kiln/engine';
import { register as registerModels, type ZooModel } from '@kiln/models';
import { nativeInt8Kernels, quantizeModelInt8 } from '@kiln/quantize';
import { flag, median } from '../zoo/measure';

const INPUT: [number, number, number] = [32, 32, 3];
const BATCH = 256;

function build(name: string): tf.LayersModel {
  const node = parse(readFileSync(join(__dirname, '../../configs/model', `${name}.yaml`), 'utf8')) as Record<string, unknown>;
  return new ComponentBuilder(createRegistries(registerModels), { seed: 0 }).build<ZooModel>('models', node, 'model', { numClasses: 6, inputShape: INPUT }).net;
}

// tfjs predict runs the batch in chunks of `chunk` rows: 32 by default, which is what kiln test (loadPredictor) does.
let chunk = 32;
const predict = (net: tf.LayersModel, x: tf.Tensor) => void tf.tidy(() => tf.softmax(net.predict(x, { batchSize: chunk }) as tf.Tensor).dataSync());

/** img/s of one window of ≥ `seconds`. */
function window(fn: () => void, seconds: number): number {
  let n = 0;
  const t0 = performance.now();
  do {
    fn();
    n++;
  } while (performance.now() - t0 < seconds * 1000);
  return (n * BATCH * 1000) / (performance.now() - t0);
}

function profile(label: string, fn: () => void): void {
  const b = tf.backend();
  if (!isKernelTimingBackend(b)) return console.log(`  (${label}: the backend has no kernel timing)`);
  fn();
  b.resetKernelTimes();
  b.setKernelTiming(true);
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) fn();
  const wall = (performance.now() - t0) / 3;
  b.setKernelTiming(false);
  const times = Object.entries(b.kernelTimes()).sort((a, c) => c[1].ms - a[1].ms);
  const total = times.reduce((s, [, t]) => s + t.ms, 0) / 3;
  console.log(`  ${label}: ${wall.toFixed(1)} ms per batch, kernels ${total.toFixed(1)} ms: ` + times.slice(0, 8).map(([k, t]) => `${k} ${(t.ms / 3).toFixed(1)} ms ×${t.calls / 3}`).join(', '));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const models = flag(args, 'models', 'simple_cnn,resnet,mobilenet_v2').split(',');
  const seconds = Number(flag(args, 'seconds', '1'));
  const windows = Number(flag(args, 'windows', '5'));
  const keepFp32 = flag(args, 'keep-fp32', '').split(',').filter(Boolean);
  chunk = Number(flag(args, 'predict-batch', '32'));
  await initEngine({ backend: 'native', prodMode: true });
  const kernels = await nativeInt8Kernels();
  const load0 = loadavg()[0];
  const rows: string[] = [];
  for (const name of models) {
    const fp32 = build(name);
    const int8 = build(name);
    int8.setWeights(fp32.getWeights());
    const calibration = Array.from({ length: 4 }, (_, i) => ({ images: tf.tidy(() => tf.randomNormal([32, ...INPUT], 0, 1, 'float32', 10 + i).dataSync() as Float32Array), shape: [32, ...INPUT] }));
    const q = await quantizeModelInt8(int8, { kernels, calibration: () => calibration, batches: 4, fullRange: args.includes('--full-range'), keepFp32: keepFp32.filter((l) => int8.layers.some((x) => x.name === l)) });
    console.log(`${name}: ${q.summary}`);
    const x = tf.randomNormal([BATCH, ...INPUT], 0, 1, 'float32', 3);
    predict(fp32, x);
    predict(int8, x);
    const rFp32: number[] = [];
    const rInt8: number[] = [];
    for (let w = 0; w < windows; w++) {
      rFp32.push(window(() => predict(fp32, x), seconds));
      rInt8.push(window(() => predict(int8, x), seconds));
    }
    const [a, b] = [median(rFp32), median(rInt8)];
    rows.push(`| ${name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b / a).toFixed(2)}× | ${q.plan.ops.length} int8, ${q.plan.fp32.length} fp32 |`);
    if (args.includes('--profile')) {
      profile(`${name} int8`, () => predict(int8, x));
      profile(`${name} fp32`, () => predict(fp32, x));
    }
    q.restore();
    tf.dispose(x);
    fp32.dispose();
    int8.dispose();
  }
  const s = kernels.support();
  console.log(`\nbatch ${BATCH} (predict chunks of ${chunk}), native backend, int8 isa ${s.isa} (vnni ${s.vnni}, amx ${s.amx}), alternating windows, medians of ${windows} windows of ≥ ${seconds} s; load ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores\n`);
  console.log('| model | Kiln fp32 img/s | Kiln int8 img/s | int8 / fp32 | layers |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
