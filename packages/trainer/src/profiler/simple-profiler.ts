import type { Profiler } from '@kiln/contracts';

/** One phase's totals; `path` is the phase and the phases open around it when it ran. */
export interface PhaseTotals {
  path: readonly string[];
  count: number;
  totalMs: number;
}

interface Open {
  key: string;
  name: string;
  path: string[];
  t0: number;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

/**
 * Wall time per phase (Lightning's SimpleProfiler). A phase opened while another is open is
 * its child: `forward` inside `train_epoch` is kept apart from `forward` inside `validation`.
 * The native backend runs kernels synchronously, so a phase's wall time is its compute.
 */
export class SimpleProfiler implements Profiler {
  readonly enabled = true;
  private readonly totals = new Map<string, PhaseTotals>();
  private readonly stack: Open[] = [];
  private readonly marks = new Map<string, number>();

  /**
   * `kind: advanced` also reports the backend's per-kernel time (see `profile-session.ts`).
   * `clock`: ms since process start (performance.now's origin is the process's start in Node).
   */
  constructor(
    readonly kind: 'simple' | 'advanced' = 'simple',
    private readonly clock: () => number = () => performance.now(),
  ) {}

  start(name: string): void {
    const parent = this.stack[this.stack.length - 1];
    const path = parent ? [...parent.path, name] : [name];
    this.stack.push({ key: path.join('\u0000'), name, path, t0: this.clock() });
  }

  stop(name: string): void {
    const at = this.stack.map((o) => o.name).lastIndexOf(name);
    if (at < 0) return; // never started (or already closed by an outer stop): nothing to time
    const now = this.clock();
    // Phases left open inside it (an exception skipped their stop) end with it.
    while (this.stack.length > at) {
      const open = this.stack.pop()!;
      this.accumulate(open.key, open.path, now - open.t0, 1);
    }
  }

  phase<T>(name: string, fn: () => T): T {
    this.start(name);
    let result: T;
    try {
      result = fn();
    } catch (err) {
      this.stop(name);
      throw err;
    }
    if (isThenable(result)) {
      return Promise.resolve(result).finally(() => this.stop(name)) as T;
    }
    this.stop(name);
    return result;
  }

  add(name: string, ms: number, count = 1): void {
    this.accumulate(name, [name], ms, count);
  }

  mark(name: string): void {
    if (!this.marks.has(name)) this.marks.set(name, this.clock());
  }

  /** Now, on the profiler's clock (ms since process start). */
  now(): number {
    return this.clock();
  }

  /** Every phase in first-seen order (a parent before its children). */
  phases(): PhaseTotals[] {
    return [...this.totals.values()].map((t) => ({ ...t }));
  }

  markTimes(): Record<string, number> {
    return Object.fromEntries(this.marks);
  }

  private accumulate(key: string, path: string[], ms: number, count: number): void {
    let t = this.totals.get(key);
    if (!t) {
      // A parent is created before its child even though the child finishes first.
      for (let d = 1; d < path.length; d++) {
        const pk = path.slice(0, d).join('\u0000');
        if (!this.totals.has(pk)) this.totals.set(pk, { path: path.slice(0, d), count: 0, totalMs: 0 });
      }
      this.totals.set(key, (t = { path, count: 0, totalMs: 0 }));
    }
    t.count += count;
    t.totalMs += ms;
  }
}
