import type { CollectiveOp, CollectiveReply, CollectiveRequest } from './messages';

/** Why a collective cannot complete; the launcher stops the run with it. */
export class CollectiveMismatchError extends Error {}

interface Pending {
  op: CollectiveOp;
  requests: Map<number, CollectiveRequest>;
}

/**
 * Parent-side reduction logic, independent of processes: ranks submit contributions for
 * collective `seq`; once every rank has, `submit` returns the reply for each rank.
 * Sums run in rank order in float32 (like the shared-file path), so results are deterministic.
 */
export class CollectiveHub {
  private readonly pending = new Map<number, Pending>();

  constructor(readonly worldSize: number) {}

  /** Sequence numbers still waiting for some rank, with the ranks that have not arrived. */
  waiting(): Array<{ seq: number; op: CollectiveOp; missing: number[] }> {
    return [...this.pending.entries()].map(([seq, p]) => ({
      seq,
      op: p.op,
      missing: Array.from({ length: this.worldSize }, (_, r) => r).filter((r) => !p.requests.has(r)),
    }));
  }

  /** Records one rank's request; returns per-rank replies when the collective is complete. */
  submit(request: CollectiveRequest): CollectiveReply[] | undefined {
    const { seq, rank, op } = request;
    if (!Number.isInteger(rank) || rank < 0 || rank >= this.worldSize) {
      throw new CollectiveMismatchError(`collective #${seq}: rank ${rank} is outside 0..${this.worldSize - 1}`);
    }
    let entry = this.pending.get(seq);
    if (!entry) {
      entry = { op, requests: new Map() };
      this.pending.set(seq, entry);
    }
    if (entry.op !== op) {
      throw new CollectiveMismatchError(
        `collective #${seq}: rank ${rank} called ${op} but another rank called ${entry.op} (workers diverged)`,
      );
    }
    if (entry.requests.has(rank)) throw new CollectiveMismatchError(`collective #${seq}: rank ${rank} submitted twice`);
    entry.requests.set(rank, request);
    if (entry.requests.size < this.worldSize) return undefined;
    this.pending.delete(seq);
    const ordered = Array.from({ length: this.worldSize }, (_, r) => entry.requests.get(r) as CollectiveRequest);
    return this.complete(seq, op, ordered);
  }

  private complete(seq: number, op: CollectiveOp, requests: CollectiveRequest[]): CollectiveReply[] {
    const same = (reply: Omit<CollectiveReply, 'kiln' | 'seq'>): CollectiveReply[] =>
      requests.map(() => ({ kiln: 'collective-result', seq, ...reply }));
    switch (op) {
      case 'barrier':
        return same({});
      case 'allGather':
        return same({ gathered: requests.map((r) => r.values ?? []) });
      case 'broadcast': {
        const root = requests[0].root ?? 0;
        if (requests.some((r) => (r.root ?? 0) !== root)) {
          throw new CollectiveMismatchError(`collective #${seq}: ranks disagree on the broadcast root`);
        }
        if (root < 0 || root >= this.worldSize) {
          throw new CollectiveMismatchError(`collective #${seq}: broadcast root ${root} is outside 0..${this.worldSize - 1}`);
        }
        return same({ arrays: requests[root].arrays ?? [] });
      }
      case 'allReduceSum':
      case 'allReduceMean':
        if (requests.some((r) => r.sharedLengths)) {
          checkSharedLengths(seq, requests);
          return same({ shared: true });
        }
        return same({ arrays: reduce(seq, requests, op === 'allReduceMean') });
    }
  }
}

function checkSharedLengths(seq: number, requests: CollectiveRequest[]): void {
  const first = JSON.stringify(requests[0].sharedLengths ?? null);
  for (const r of requests) {
    if (JSON.stringify(r.sharedLengths ?? null) !== first) {
      throw new CollectiveMismatchError(
        `collective #${seq}: rank ${r.rank} wrote arrays of lengths ${JSON.stringify(r.sharedLengths ?? [])} but rank 0 wrote ${first}`,
      );
    }
  }
}

function reduce(seq: number, requests: CollectiveRequest[], mean: boolean): Float32Array[] {
  const first = requests[0].arrays ?? [];
  for (const r of requests) {
    const arrays = r.arrays ?? [];
    if (arrays.length !== first.length) {
      throw new CollectiveMismatchError(
        `collective #${seq}: rank ${r.rank} sent ${arrays.length} arrays, rank 0 sent ${first.length}`,
      );
    }
    arrays.forEach((a, i) => {
      if (a.length !== first[i].length) {
        throw new CollectiveMismatchError(
          `collective #${seq}: array ${i} has ${a.length} values on rank ${r.rank} but ${first[i].length} on rank 0`,
        );
      }
    });
  }
  // Same arithmetic as the shared-file path (float32, rank order), so both give identical results.
  return first.map((_, i) => {
    const out = Float32Array.from((requests[0].arrays as Float32Array[])[i]);
    for (const r of requests.slice(1)) {
      const a = (r.arrays as Float32Array[])[i];
      for (let j = 0; j < a.length; j++) out[j] += a[j];
    }
    if (mean && requests.length > 1) for (let j = 0; j < out.length; j++) out[j] /= requests.length;
    return out;
  });
}
