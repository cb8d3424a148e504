/**
 * Wall-time profiling of a run (`trainer.profiler`). The trainer and the CLI time phases
 * through this interface; components never need to import a profiler to be timed, since
 * their callers wrap the calls. `nullProfiler` is what runs when profiling is off.
 */
export interface Profiler {
  /** False for the no-op profiler: callers skip building names or wrappers when it is. */
  readonly enabled: boolean;
  /** Opens phase `name` inside the phase open now (if any); `stop(name)` closes it. */
  start(name: string): void;
  stop(name: string): void;
  /** Times `fn` as phase `name`; a returned promise is timed until it settles. */
  phase<T>(name: string, fn: () => T): T;
  /** Adds a duration measured elsewhere (e.g. before the profiler existed), as a top-level phase. */
  add(name: string, ms: number, count?: number): void;
  /** Records a moment, in ms since the process started (e.g. `firstStep`); the first mark of a name wins. */
  mark(name: string): void;
}

/** A profiler that does nothing: no clock reads, no allocation. */
export const nullProfiler: Profiler = Object.freeze({
  enabled: false,
  start: () => undefined,
  stop: () => undefined,
  phase: <T>(_name: string, fn: () => T): T => fn(),
  add: () => undefined,
  mark: () => undefined,
});

/** Calls and wall time of one backend kernel (`trainer.profiler: advanced`). */
export interface KernelTime {
  calls: number;
  ms: number;
}

/** A tfjs backend that can time its kernels; off until `setKernelTiming(true)`. */
export interface KernelTimingBackend {
  setKernelTiming(on: boolean): void;
  /** Per-kernel calls and wall time since timing was turned on or last reset. */
  kernelTimes(): Record<string, KernelTime>;
  resetKernelTimes(): void;
}

/** True when `backend` (e.g. `tf.backend()`) implements KernelTimingBackend. */
export function isKernelTimingBackend(backend: unknown): backend is KernelTimingBackend {
  const b = backend as Partial<KernelTimingBackend> | null;
  return !!b && typeof b.setKernelTiming === 'function' && typeof b.kernelTimes === 'function' && typeof b.resetKernelTimes === 'function';
}
