import { totalmem } from 'node:os';

/**
 * Recycles the Float32Arrays of native kernel outputs once their tensors are
 * disposed. Fresh multi-MB ArrayBuffers cost page faults (and GC pressure)
 * that dwarf the kernels themselves; a training step allocates the same
 * sizes every iteration, so reuse is nearly perfect. A request may also take
 * the smallest free buffer up to `slack` times its size (as a view of the
 * first n floats): the last, smaller batch of an epoch and validation batches
 * then reuse the training step's buffers instead of adding a second set of
 * every activation size to the pool (and to the process's resident memory).
 *
 * Safety: only buffers allocated here are recycled, and only when (a) no
 * live tensor references the ArrayBuffer (views included: counted in
 * write/move), and (b) the array never escaped to user code (readSync,
 * read, bufferSync mark it escaped forever).
 */
export class BufferPool {
  private readonly owned = new WeakSet<ArrayBuffer>();
  private readonly escaped = new WeakSet<ArrayBuffer>();
  private readonly refs = new Map<ArrayBuffer, number>();
  private readonly free = new Map<number, Float32Array[]>();
  /** Sizes (floats) that have free buffers, ascending. */
  private sizes: number[] = [];
  private pooledBytes = 0;

  /** The aligned view a buffer is used through, where it is not the whole buffer (huge pages). */
  private readonly home = new WeakMap<ArrayBuffer, Float32Array>();

  /**
   * `align`, when given, places each new buffer of at least `alignMinBytes` floats: the pool
   * allocates `alignPad` floats more and `align(whole, n)` returns the offset of the view to use
   * (or -1 for offset 0). The backend passes memory.cc's hugePageAlign (2 MB-aligned views
   * advised for transparent huge pages).
   */
  constructor(
    private readonly maxBytes: number,
    private readonly minElements = 1024,
    private readonly slack = 4,
    private readonly align?: (whole: Float32Array, n: number) => number,
    private readonly alignMinBytes = 2 << 20,
    private readonly alignPad = (2 << 20) / 4,
  ) {}

  /** An uninitialized array of `n` floats (recycled when possible). */
  take(n: number): Float32Array {
    if (n < this.minElements) return new Float32Array(n);
    const i = lowerBound(this.sizes, n);
    if (i < this.sizes.length && this.sizes[i] <= n * this.slack) {
      const size = this.sizes[i];
      const list = this.free.get(size)!;
      const hit = list.pop()!;
      if (list.length === 0) {
        this.free.delete(size);
        this.sizes.splice(i, 1);
      }
      this.pooledBytes -= hit.byteLength;
      return size === n ? hit : hit.subarray(0, n);
    }
    if (this.align && n * 4 >= this.alignMinBytes) {
      const whole = new Float32Array(Buffer.allocUnsafeSlow((n + this.alignPad) * 4).buffer);
      const at = this.align(whole, n);
      const arr = whole.subarray(at >= 0 ? at : 0, (at >= 0 ? at : 0) + n);
      if (whole.byteOffset === 0) {
        this.owned.add(whole.buffer);
        this.home.set(whole.buffer, arr);
      }
      return arr;
    }
    const buf = Buffer.allocUnsafeSlow(n * 4);
    const arr = new Float32Array(buf.buffer, buf.byteOffset, n);
    if (buf.byteOffset === 0 && buf.buffer.byteLength === n * 4) this.owned.add(buf.buffer);
    return arr;
  }

  /** A tensor now references `values` (called from backend write/move). */
  track(values: unknown): void {
    const b = bufferOf(values);
    if (b && this.owned.has(b)) this.refs.set(b, (this.refs.get(b) ?? 0) + 1);
  }

  /** `values` was handed to user code: never recycle it. */
  escape(values: unknown): void {
    const b = bufferOf(values);
    if (b && this.owned.has(b)) this.escaped.add(b);
  }

  /** A tensor referencing `values` was deleted. */
  release(values: unknown): void {
    const b = bufferOf(values);
    if (!b || !this.owned.has(b)) return;
    const left = (this.refs.get(b) ?? 1) - 1;
    if (left > 0) {
      this.refs.set(b, left);
      return;
    }
    this.refs.delete(b);
    const view = this.home.get(b) ?? new Float32Array(b);
    if (this.escaped.has(b) || this.pooledBytes + view.byteLength > this.maxBytes) return;
    const n = view.length;
    let list = this.free.get(n);
    if (!list) {
      this.free.set(n, (list = []));
      this.sizes.splice(lowerBound(this.sizes, n), 0, n);
    }
    list.push(view);
    this.pooledBytes += view.byteLength;
  }

  /** Bytes currently held for reuse. */
  get bytes(): number {
    return this.pooledBytes;
  }

  clear(): void {
    this.free.clear();
    this.sizes = [];
    this.pooledBytes = 0;
  }
}

/** First index of `xs` (ascending) whose value is >= `v`. */
function lowerBound(xs: number[], v: number): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function bufferOf(values: unknown): ArrayBuffer | null {
  return values instanceof Float32Array && values.buffer instanceof ArrayBuffer ? values.buffer : null;
}

/**
 * Whether large kernel outputs ask for transparent huge pages (memory.cc): on unless
 * KILN_NATIVE_HUGEPAGES=0. Where the OS has THP off (or is not Linux) the request does nothing.
 */
export function hugePagesEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.KILN_NATIVE_HUGEPAGES !== '0';
}

/**
 * Pool size limit: KILN_NATIVE_POOL_MB (0 disables), else a quarter of the
 * machine's memory clamped to [512 MB, 8 GB]. The pool must hold one training
 * step's churn: below it, dropped buffers come back as fresh page-faulting
 * allocations every step (measured: mobilenet_v2 at batch 64 takes 7.1 s/step
 * with a 1 GB pool, 1.6 s/step with 8 GB). It never exceeds the step's own
 * high-water mark, since only buffers of disposed tensors are kept.
 */
export function poolLimitBytes(total = totalmem()): number {
  const mb = Number(process.env.KILN_NATIVE_POOL_MB);
  if (process.env.KILN_NATIVE_POOL_MB !== undefined && Number.isFinite(mb) && mb >= 0) return mb * 1024 * 1024;
  return Math.min(8 * 1024 ** 3, Math.max(512 * 1024 ** 2, Math.floor(total / 4)));
}
