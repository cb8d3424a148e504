import type { Batch, Callback, HookName, Profiler } from '@kiln/contracts';

const HOOKS: readonly HookName[] = [
  'onFitStart', 'onTrainEpochStart', 'onTrainBatchEnd', 'onTrainEpochEnd',
  'onValidationStart', 'onValidationEnd', 'onEpochEnd', 'onFitEnd', 'onException',
];

/**
 * Hook-only stand-ins that time each callback's hooks as `<type>.<hook>` (the callback's
 * `static type`, else its class name); `callHook` runs them like the callbacks themselves.
 * Used only when profiling, so an unprofiled run calls the callbacks directly.
 */
export function profiledCallbacks(callbacks: readonly Callback[], profiler: Profiler): Callback[] {
  return callbacks.map((cb) => {
    const type = (cb.constructor as { type?: string }).type ?? cb.constructor.name;
    const timed: Partial<Record<HookName, unknown>> = {};
    for (const hook of HOOKS) {
      const fn = cb[hook] as ((...a: unknown[]) => unknown) | undefined;
      if (fn) timed[hook] = (...args: unknown[]) => profiler.phase(`${type}.${hook}`, () => fn.apply(cb, args));
    }
    return timed as Callback;
  });
}

/** `source`'s batches, with the wait for each timed as `data_wait` (the loader's decode/augment that did not overlap the step). */
export async function* timedBatches(source: AsyncIterable<Batch>, profiler: Profiler): AsyncGenerator<Batch> {
  const it = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      profiler.start('data_wait');
      const next = await it.next();
      profiler.stop('data_wait');
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await it.return?.();
  }
}
