/**
 * Inference img/s at batch 256 of a zoo model: Kiln fp32 (net.apply on the native backend), and
 * its ONNX export in onnxruntime-node fp32 and int8 (the `kiln export --quantize=int8` model,
 * calibrated on 4 random batches: speed only, not quality). Medians of windows, ratios printed.
 * The int8/fp32 ratio here is onnxruntime's; Kiln's own int8 inference is kiln-int8-bench.ts.
 *   flock /tmp/kiln-bench.lock npx tsx bench/quantize/onnx-int8-bench.ts [--models=simple_cnn,resnet] [--seconds=1] [--windows=5] [--full-range]
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { parse } from 'yaml';
import { ComponentBuilder, createRegistries } from '@kiln/core';
import { initEngine } from '@kiln/engine';
import { quantizeOnnx, toOnnxModel } from '@kiln/export';
import { register as registerModels, type ZooModel } from '@kiln/models';
import { flag, median } from '../zoo/measure';

const INPUT: [number, number, number] = [32, 32, 3];
const BATCH = 256;

async function rate(fn: () => Promise<void>, seconds: number, windows: number): Promise<number> {
  await fn(); // warm-up
  const rates: number[] = [];
  for (let w = 0; w < windows; w++) {
    let n = 0;
    const t0 = performance.now();
    do {
      await fn();
      n++;
    } while (performance.now() - t0 < seconds * 1000);
    rates.push((n * BATCH * 1000) / (performance.now() - t0));
  }
  return median(rates);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const models = flag(args, 'models', 'simple_cnn,resnet,mobilenet_v2').split(',');
  const seconds = Number(flag(args, 'seconds', '1'));
  const windows = Number(flag(args, 'windows', '5'));
  await initEngine({ backend: 'native', prodMode: true });
  const load0 = loadavg()[0];
  const rows: string[] = [];
  for (const name of models) {
    const node = parse(readFileSync(join(__dirname, '../../configs/model', `${name}.yaml`), 'utf8')) as Record<string, unknown>;
    const net = new ComponentBuilder(createRegistries(registerModels), { seed: 0 }).build<ZooModel>('models', node, 'model', { numClasses: 6, inputShape: INPUT }).net;
    const x = tf.randomNormal([BATCH, ...INPUT], 0, 1, 'float32', 3);
    const xs = x.dataSync() as Float32Array;
    const kiln = await rate(async () => tf.tidy(() => (net.apply(x, { training: false }) as tf.Tensor).dataSync()) && undefined, seconds, windows);
    const fp32Model = toOnnxModel(net);
    const calibration = Array.from({ length: 4 }, (_, i) => ({ images: tf.randomNormal([32, ...INPUT], 0, 1, 'float32', 10 + i).dataSync() as Float32Array, shape: [32, ...INPUT] }));
    const int8Model = (await quantizeOnnx(fp32Model, 'int8', { calibration, input: 'input', reduceRange: !args.includes('--full-range') })).model;
    const opts = { intraOpNumThreads: 2, interOpNumThreads: 1, graphOptimizationLevel: 'all' as const };
    const sFp32 = await ort.InferenceSession.create(onnx.ModelProto.encode(fp32Model).finish(), opts);
    const sInt8 = await ort.InferenceSession.create(onnx.ModelProto.encode(int8Model).finish(), opts);
    const feeds = { input: new ort.Tensor('float32', xs, [BATCH, ...INPUT]) };
    const ortFp32 = await rate(async () => void (await sFp32.run(feeds)), seconds, windows);
    const ortInt8 = await rate(async () => void (await sInt8.run(feeds)), seconds, windows);
    rows.push(`| ${name} | ${kiln.toFixed(0)} | ${ortFp32.toFixed(0)} | ${ortInt8.toFixed(0)} | ${(ortInt8 / ortFp32).toFixed(2)}× | ${(ortInt8 / kiln).toFixed(2)}× |`);
    tf.dispose(x);
    net.dispose();
  }
  console.log(`\nbatch ${BATCH}, 2 threads, medians of ${windows} windows of ≥ ${seconds} s; load ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores\n`);
  console.log('| model | Kiln fp32 img/s | ORT fp32 img/s | ORT int8 img/s | ORT int8 / ORT fp32 | ORT int8 / Kiln fp32 |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
