/**
 * Structural OOM check (the engine's `OutOfMemoryError` by name, or a backend OOM message in
 * the error or its causes), so the trainer does not need `@kiln/engine` at runtime.
 */
const OOM_MESSAGE = /out of memory|OOM when allocating|ResourceExhausted|RESOURCE_EXHAUSTED|Cannot enlarge memory|Array buffer allocation failed|std::bad_alloc/i;

export function isOutOfMemory(err: unknown): boolean {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur && typeof cur === 'object' && !seen.has(cur)) {
    seen.add(cur);
    const e = cur as { name?: unknown; message?: unknown; cause?: unknown };
    if (e.name === 'OutOfMemoryError') return true;
    if (typeof e.message === 'string' && OOM_MESSAGE.test(e.message)) return true;
    cur = e.cause;
  }
  return typeof err === 'string' && OOM_MESSAGE.test(err);
}
