/**
 * Wraps every kernel registered for a backend with a timer, for the per-kernel profiles of
 * `bench/native/profile-step.ts` and `bench/zoo/profile-zoo.ts`.
 */
import * as tf from '@tensorflow/tfjs';

export type KernelTimes = Map<string, { ms: number; n: number }>;

/** Times every kernel of `backendName` into `times`; `afterKernel` runs after each call (e.g. to track peak memory). */
export function instrumentKernels(backendName: string, times: KernelTimes, afterKernel?: () => void): void {
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
        afterKernel?.();
        return out;
      },
    });
  }
}

/** The kernels that fell back to JavaScript, and those with no native implementation at all, per step. */
export function fallbackLines(rows: Array<[string, { n: number }]>, stats: Record<string, { fallback: number }>, steps: number): string[] {
  const fallbacks = Object.entries(stats).filter(([, s]) => s.fallback > 0).map(([k, s]) => `${k}×${s.fallback / steps}`);
  const jsOnly = rows.filter(([k]) => !stats[k]).map(([k, t]) => `${k}×${t.n / steps}`);
  return [`native kernels that fell back: ${fallbacks.join(' ') || 'none'}`, `kernels with no native implementation: ${jsOnly.join(' ') || 'none'}`];
}
