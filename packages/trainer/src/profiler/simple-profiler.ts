import type { Profiler } from '@kiln/contracts';

/** One phase's totals; `path` is the phase and the phases open around it when it ran. */
export interface PhaseTotals {
  path: readonly string[];
  count: number;
  totalMs: number;
}

/** A phase in the tree of phases: one per (parent, name). */
interface Node {
  totals: PhaseTotals;
  children: Map<string, Node>;
}

interface Open {
  node: Node;
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
  private readonly root: Node = { totals: { path: [], count: 0, totalMs: 0 }, children: new Map() };
  /** Every node in creation order (a parent before its children). */
  private readonly nodes: Node[] = [];
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
    // Nodes are found by name in their parent: no key strings built per call (a few hundred ns a phase).
    const parent = this.stack.length ? this.stack[this.stack.length - 1].node : this.root;
    this.stack.push({ node: this.child(parent, name), t0: this.clock() });
  }

  stop(name: string): void {
    let at = this.stack.length - 1;
    while (at >= 0 && this.stack[at].node.totals.path[this.stack[at].node.totals.path.length - 1] !== name) at--;
    if (at < 0) return; // never started (or already closed by an outer stop): nothing to time
    const now = this.clock();
    // Phases left open inside it (an exception skipped their stop) end with it.
    while (this.stack.length > at) {
      const open = this.stack.pop()!;
      open.node.totals.count++;
      open.node.totals.totalMs += now - open.t0;
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
    const t = this.child(this.root, name).totals;
    t.count += count;
    t.totalMs += ms;
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
    return this.nodes.map((n) => ({ ...n.totals }));
  }

  markTimes(): Record<string, number> {
    return Object.fromEntries(this.marks);
  }

  private child(parent: Node, name: string): Node {
    let node = parent.children.get(name);
    if (!node) {
      node = { totals: { path: [...parent.totals.path, name], count: 0, totalMs: 0 }, children: new Map() };
      parent.children.set(name, node);
      this.nodes.push(node);
    }
    return node;
  }
}
