import type { KernelTime } from '@kiln/contracts';

/**
 * Wall time per kernel for `trainer.profiler: advanced`. Off by default: a kernel then pays
 * one boolean test, no clock read. The native kernels run synchronously, so the time around
 * a call is its compute (a kernel that calls another is timed inclusively).
 */
let enabled = false;
const times = new Map<string, KernelTime>();

export function kernelTimingEnabled(): boolean {
  return enabled;
}

export function setKernelTiming(on: boolean): void {
  enabled = on;
}

export function kernelTimes(): Record<string, KernelTime> {
  return Object.fromEntries([...times].map(([k, v]) => [k, { ...v }]));
}

export function resetKernelTimes(): void {
  times.clear();
}

/** Runs `fn` (a kernel body) and adds its wall time to `name`. */
export function timeKernel<T>(name: string, fn: () => T): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    const ms = performance.now() - t0;
    let t = times.get(name);
    if (!t) times.set(name, (t = { calls: 0, ms: 0 }));
    t.calls++;
    t.ms += ms;
  }
}
