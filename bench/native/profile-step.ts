/**
 * Per-kernel time profile of training steps on a backend.
 * Usage: [FUSED_ADAM=1] npx tsx bench/native/profile-step.ts [model=fmnist-cnn] [backend=native] [steps=10] [batch=64]
 * `model` is a bench model (fmnist-cnn, cifar-net, mlp) or a zoo model at its default config
 * (mlp, simple_cnn, resnet, mobilenet_v2, vit_tiny: 32×32×3, trainer loss and Adam).
 */
import * as tf from '@tensorflow/tfjs';
import { registerNativeBackend, nativeKernelStats, resetNativeKernelStats } from '../../packages/backend-native/src/index';
import { MODELS, batch, makeStep } from './models';
import { ZOO_MODELS, makeZooStep } from './zoo';
import { FusedAdam } from './fused-adam';

const [modelName = 'fmnist-cnn', backend = 'native', stepsArg = '10', batchArg = '64'] = process.argv.slice(2);

function instrument(backendName: string, times: Map<string, { ms: number; n: number }>): void {
  for (const k of tf.getKernelsForBackend(backendName)) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, backendName);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        const t0 = performance.now();
        const out = inner(args);
        const t = times.get(k.kernelName) ?? { ms: 0, n: 0 };
        t.ms += performance.now() - t0;
        t.n++;
        times.set(k.kernelName, t);
        return out;
      },
    });
  }
}

async function main(): Promise<void> {
  registerNativeBackend();
  await tf.setBackend(backend);
  const bs = Number(batchArg);
  const zoo = ZOO_MODELS[modelName];
  let step: () => void;
  let name = modelName;
  if (zoo) {
    step = makeZooStep(zoo(), bs);
  } else {
    const spec = MODELS.find((m) => m.name === modelName) ?? MODELS[0];
    name = spec.name;
    const opt = process.env.FUSED_ADAM ? new FusedAdam(1e-3) : tf.train.adam(1e-3);
    const { x, y } = batch(spec, bs);
    step = makeStep(spec.build(), opt, x, y);
  }
  step();
  step();
  const times = new Map<string, { ms: number; n: number }>();
  instrument(backend, times);
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
  const fallbacks = Object.entries(stats).filter(([, s]) => s.fallback > 0).map(([k, s]) => `${k}×${s.fallback / steps}`);
  const jsOnly = rows.filter(([k]) => !stats[k]).map(([k, t]) => `${k}×${t.n / steps}`);
  console.log(`native kernels that fell back: ${fallbacks.join(' ') || 'none'}`);
  console.log(`kernels with no native implementation: ${jsOnly.join(' ') || 'none'}`);
}

void main();
