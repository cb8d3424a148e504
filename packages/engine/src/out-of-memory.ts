import { KilnError } from '@kiln/core';

/**
 * A backend ran out of memory (device or host). The trainer catches this one type to retry
 * with a smaller batch, whatever backend produced it.
 */
export class OutOfMemoryError extends KilnError {
  /** Which family of message matched, e.g. `tensorflow`, `webgl`, `wasm`, `js`, `native`. */
  readonly source: string;
  constructor(message: string, source = 'unknown', options?: { cause?: unknown }) {
    super(message, options);
    this.source = source;
  }
}

/** Message patterns by backend; checked against `name: message` of the error and its causes. */
const OOM_PATTERNS: Array<{ source: string; pattern: RegExp }> = [
  // tfjs-node / TensorFlow C API
  { source: 'tensorflow', pattern: /ResourceExhausted(Error)?|OOM when allocating|RESOURCE_EXHAUSTED/i },
  { source: 'tensorflow', pattern: /CUDA_ERROR_OUT_OF_MEMORY|CUDNN_STATUS_ALLOC_FAILED|cudaErrorMemoryAllocation/i },
  // WebGL
  { source: 'webgl', pattern: /Failed to allocate|context lost|CONTEXT_LOST_WEBGL|Requested texture size .* greater than/i },
  // wasm (Emscripten heap)
  { source: 'wasm', pattern: /Cannot enlarge memory|WebAssembly\.Memory(\.prototype)?\.grow|Aborted\(OOM\)/i },
  { source: 'wasm', pattern: /\bOut of memory\b/ }, // Emscripten's capitalised abort text
  // JS heap / typed arrays
  { source: 'js', pattern: /Array buffer allocation failed|Invalid typed array length|allocation failed - JavaScript heap out of memory/i },
  // @kiln/backend-native (C++ via N-API)
  { source: 'native', pattern: /std::bad_alloc|\bout of memory\b|cannot allocate memory|ENOMEM/i },
];

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

/** The OOM family that `err` (or one of its causes) belongs to, or undefined. */
export function outOfMemorySource(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    if (current instanceof OutOfMemoryError) return current.source;
    const text = describe(current);
    const hit = OOM_PATTERNS.find((p) => p.pattern.test(text));
    if (hit) return hit.source;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}

/** True when `err` is an out-of-memory failure of any backend (see README for the list). */
export function isOutOfMemoryError(err: unknown): boolean {
  return outOfMemorySource(err) !== undefined;
}

/**
 * Wraps an out-of-memory failure as `OutOfMemoryError` (keeping the original as `cause`);
 * returns anything else unchanged so callers can `throw toOutOfMemoryError(err)`.
 */
export function toOutOfMemoryError(err: unknown, context?: string): unknown {
  if (err instanceof OutOfMemoryError) return err;
  const source = outOfMemorySource(err);
  if (source === undefined) return err;
  const where = context ? ` during ${context}` : '';
  return new OutOfMemoryError(
    `out of memory${where} (${source} backend): ${describe(err)}. Try a smaller batch size or fewer workers per device.`,
    source,
    { cause: err },
  );
}
