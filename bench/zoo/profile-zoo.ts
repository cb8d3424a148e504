/**
 * Where a zoo model's trainer step goes: time per kernel (and how often each ran natively or
 * fell back to JavaScript on `native`), plus tensor memory and RSS after each step.
 *   flock /tmp/kiln-bench.lock npx tsx bench/zoo/profile-zoo.ts --model=vit_tiny [--steps=2] [--batch=64] [--backend=native] [--precision=bf16-mixed]
 */
import * as tf from '@tensorflow/tfjs';
import { nativeKernelStats, resetNativeKernelStats } from '@kiln/backend-native';
import { consoleSink, Logger } from '@kiln/core';
import { initEngine } from '@kiln/engine';
import { enterPrecision, resolvePrecision } from '@kiln/trainer';
import { flag, peakRssMb } from './measure';
import { buildZooNet, zooTrainStep } from './zoo-step';
import { fallbackLines, instrumentKernels } from '../kernel-timer';

/** Highest tensor bytes seen after any kernel (the step's true peak, backward pass included). */
let peakBytes = 0;

const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const name = flag(args, 'model', 'vit_tiny');
  const steps = Number(flag(args, 'steps', '2'));
  const batch = Number(flag(args, 'batch', '64'));
  const engine = await initEngine({ backend: flag(args, 'backend', 'native'), prodMode: true });
  const net = buildZooNet(name, [32, 32, 3], 6);
  // --precision: what trainer.precision sets (bf16-mixed: bf16 convs/matmuls on oneDNN)
  enterPrecision(resolvePrecision(flag(args, 'precision', '32-true')), { logger: new Logger({ sinks: [consoleSink()] }) });
  const x = tf.randomNormal([batch, 32, 32, 3]);
  const y = tf.randomUniform([batch], 0, 6, 'int32') as tf.Tensor1D;
  const report = (label: string) => {
    const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    const u = process.memoryUsage();
    console.log(
      `${label}: tensors ${m.numTensors}, tensor bytes ${mb(m.numBytes)} (peak ${mb(peakBytes)}), rss ${mb(u.rss)} (peak ${peakRssMb().toFixed(0)} MB), ` +
        `heap ${mb(u.heapUsed)}, external ${mb(u.external)}, array buffers ${mb(u.arrayBuffers)}`,
    );
  };
  let peakTape = 0;
  // the trainer's own gradient path, @kiln/models' variableGradsReleasing (frees the tape as the backward pass goes); --tf-grads: plain tf.variableGrads
  const step = zooTrainStep(net, x, y, {
    tfGrads: args.includes('--tf-grads'),
    afterForward: () => (peakTape = Math.max(peakTape, tf.memory().numBytes)),
  });
  report('built');
  step();
  report('after warm-up step');
  const times = new Map<string, { ms: number; n: number }>();
  instrumentKernels(engine.backend, times, () => {
    peakBytes = Math.max(peakBytes, (tf.engine() as unknown as { state: { numBytes: number } }).state.numBytes);
  });
  if (engine.backend === 'native') resetNativeKernelStats();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    step();
    report(`after step ${i + 1}`);
  }
  const total = (performance.now() - t0) / steps;
  console.log(`tensor bytes at the end of the forward pass (peak of the tape): ${mb(peakTape)}`);
  const rows = [...times].sort((a, b) => b[1].ms - a[1].ms);
  const inKernels = rows.reduce((s, [, t]) => s + t.ms, 0) / steps;
  console.log(`${name} on ${engine.backend}: ${total.toFixed(0)} ms/step (${((batch / total) * 1000).toFixed(1)} img/s), kernels ${inKernels.toFixed(0)} ms`);
  const stats = engine.backend === 'native' ? nativeKernelStats() : {};
  for (const [k, t] of rows.slice(0, 30)) {
    const s = stats[k];
    console.log(`${k.padEnd(28)} ${(t.ms / steps).toFixed(1).padStart(9)} ms ${((100 * t.ms) / steps / total).toFixed(1).padStart(5)}%  x${(t.n / steps).toFixed(0).padStart(5)}` +
      (s ? `  native=${s.native} fallback=${s.fallback}` : ''));
  }
  if (engine.backend === 'native') for (const line of fallbackLines(rows, stats, steps)) console.log(line);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
