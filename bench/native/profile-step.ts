/**
 * Per-kernel time profile of training steps on a backend.
 * Usage: [FUSED_ADAM=1] npx tsx bench/native/profile-step.ts [model=fmnist-cnn] [backend=native] [steps=10] [batch=64]
 * `model` is a bench model (fmnist-cnn, cifar-net, mlp); zoo models at their default configs with the
 * trainer's step are profiled by `bench/zoo/profile-zoo.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import { registerNativeBackend, nativeKernelStats, resetNativeKernelStats } from '../../packages/backend-native/src/index';
import { MODELS, batch, makeStep } from './models';
import { FusedAdam } from './fused-adam';
import { fallbackLines, instrumentKernels } from '../kernel-timer';

const [modelName = 'fmnist-cnn', backend = 'native', stepsArg = '10', batchArg = '64'] = process.argv.slice(2);

async function main(): Promise<void> {
  registerNativeBackend();
  await tf.setBackend(backend);
  const bs = Number(batchArg);
  const spec = MODELS.find((m) => m.name === modelName) ?? MODELS[0];
  const name = spec.name;
  const opt = process.env.FUSED_ADAM ? new FusedAdam(1e-3) : tf.train.adam(1e-3);
  const { x, y } = batch(spec, bs);
  const step = makeStep(spec.build(), opt, x, y);
  step();
  step();
  const times = new Map<string, { ms: number; n: number }>();
  instrumentKernels(backend, times);
  resetNativeKernelStats();
  const steps = Number(stepsArg);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) step();
  const total = (performance.now() - t0) / steps;
  const cpu = process.cpuUsage(c0);
  console.log(`process CPU time: ${((cpu.user + cpu.system) / 1000 / steps).toFixed(2)} ms/step (all threads)`);
  const rows = [...times].sort((a, b) => b[1].ms - a[1].ms);
  const inKernels = rows.reduce((s, [, t]) => s + t.ms, 0) / steps;
  console.log(`${name} on ${backend}: ${total.toFixed(2)} ms/step (${(bs / total * 1000).toFixed(0)} img/s), kernels ${inKernels.toFixed(2)} ms, other ${(total - inKernels).toFixed(2)} ms`);
  const stats = nativeKernelStats();
  for (const [name, t] of rows.slice(0, 40)) {
    const s = stats[name];
    console.log(`${name.padEnd(36)} ${(t.ms / steps).toFixed(3).padStart(8)} ms  x${(t.n / steps).toFixed(0).padStart(3)}` +
      (s ? `  native=${s.native} fallback=${s.fallback}` : ''));
  }
  for (const line of fallbackLines(rows, stats, steps)) console.log(line);
}

void main();
