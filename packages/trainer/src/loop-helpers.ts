import type { Batch, DataLoader } from '@kiln/contracts';

/** Batches to run: `null` → all, an int → at most that many, a fraction → that share (at least 1). */
export function resolveLimit(limit: number | null, length: number): number {
  if (limit === null) return length;
  if (Number.isInteger(limit) && limit >= 1) return Math.min(limit, length);
  return Math.min(length, Math.max(1, Math.floor(length * limit)));
}

/** A loader over batches held in memory (overfitBatches replays the same ones every epoch). */
export function memoryLoader(batches: Batch[]): DataLoader {
  return {
    length: batches.length,
    setEpoch: () => undefined,
    async *[Symbol.asyncIterator]() {
      yield* batches;
    },
  };
}

/** The first `count` batches of a loader's epoch 0. */
export async function takeBatches(loader: DataLoader, count: number): Promise<Batch[]> {
  const out: Batch[] = [];
  if (count <= 0) return out;
  loader.setEpoch(0);
  for await (const b of loader) {
    out.push(b);
    if (out.length >= count) break;
  }
  return out;
}

/** Skips `count` batches of an iterator (resume when the data module cannot seek). */
export async function* skipBatches(source: AsyncIterable<Batch>, count: number): AsyncGenerator<Batch> {
  let i = 0;
  for await (const b of source) {
    if (i++ < count) continue;
    yield b;
  }
}

export function defaultMonitorMode(monitor: string): 'min' | 'max' {
  return /loss|error|mse|mae/i.test(monitor) ? 'min' : 'max';
}

export function formatMetrics(metrics: Record<string, number>, keys?: string[]): string {
  return (keys ?? Object.keys(metrics))
    .filter((k) => metrics[k] !== undefined)
    .map((k) => `${k}=${Number.isInteger(metrics[k]) ? metrics[k] : metrics[k].toPrecision(4)}`)
    .join(' ');
}
