import { DataError, Rng } from '@kiln/core';
import { applyBatchTransforms, oneHot } from '@kiln/augmentation';
import { ImageDecodeError, rawToImage, type ImageProcessor, type RawImage } from '@kiln/processors';
import type { Batch, DataLoader } from '../types';
import { Limiter } from './limiter';
import type { BatchLoaderOptions, LoaderPosition, LoaderSource, LoaderStats } from './loader-types';

export type { BatchLoaderOptions, LoaderPosition, LoaderSource, LoaderStats } from './loader-types';

/**
 * Seeded, resumable batch iterator. The order of epoch e is `Rng(seed, 'shuffle', e)`'s
 * permutation; sample i's augmentation draws from `Rng(seed, 'augment', e, i)` and batch b's
 * batch transforms from `Rng(seed, 'batch', e, b)`, so prefetch and concurrency never change
 * results. With a shard, worker r takes items [r·L/W, (r+1)·L/W) of each global batch of
 * length L: 2 workers × 32 see exactly the samples of 1 × 64.
 */
export class BatchLoader implements DataLoader {
  private epoch = 0;
  private batchIndex = 0;
  private counters = freshCounters(0);

  constructor(
    private readonly source: LoaderSource,
    private readonly processor: ImageProcessor,
    private readonly options: BatchLoaderOptions,
  ) {
    const { batchSize, shard } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be >= 1 (got ${batchSize})`);
    if (shard && !(shard.worldSize >= 1 && shard.rank >= 0 && shard.rank < shard.worldSize)) {
      throw new RangeError(`invalid shard rank ${shard.rank} of ${shard.worldSize}`);
    }
  }

  get length(): number {
    const n = this.source.size;
    return this.options.dropLast ? Math.floor(n / this.options.batchSize) : Math.ceil(n / this.options.batchSize);
  }

  /** Number of samples in the dataset (all shards). */
  get size(): number {
    return this.source.size;
  }

  /** Starts epoch `epoch` from its first batch, unless the loader was positioned inside that epoch by `seek`. */
  setEpoch(epoch: number): void {
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.batchIndex = 0;
    }
  }

  /** Next batch to be produced: what a checkpoint stores. */
  position(): LoaderPosition {
    return { epoch: this.epoch, batchIndex: this.batchIndex };
  }

  /** Positions the loader for exact resume. */
  seek(position: LoaderPosition): void {
    this.epoch = position.epoch;
    this.batchIndex = position.batchIndex;
  }

  /** The sample indices of epoch `epoch`, in order. */
  orderFor(epoch: number): Int32Array {
    const n = this.source.size;
    const order = Int32Array.from({ length: n }, (_, i) => i);
    if (!this.options.shuffle) return order;
    // Rng.permutation's Fisher–Yates, draw for draw, in place on a typed array (no 1M-element JS array).
    const rng = new Rng(this.options.seed, 'shuffle', epoch);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /** Counters for the epoch in progress (or the last one finished). */
  stats(): LoaderStats {
    return { ...this.counters, droppedTotal: this.source.bad?.foundWhileLoading ?? 0 };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    const epoch = this.epoch;
    const order = this.orderFor(epoch);
    // With a worker pool, every image of the prefetched batches is handed over at once: the main
    // thread cannot hand out more while a synchronous model step holds it, so what is in flight
    // when the step starts is all the workers can do during it.
    const { decodeConcurrency, prefetch, batchSize } = this.options;
    const limiter = new Limiter(this.options.offload ? Math.max(decodeConcurrency, (prefetch + 1) * batchSize) : decodeConcurrency);
    const total = this.length;
    const pending: Array<Promise<Batch>> = [];
    let next = this.batchIndex;
    if (this.counters.epoch !== epoch || next === 0) this.counters = freshCounters(epoch);
    const enqueue = () => {
      const p = this.makeBatch(order, epoch, next++, limiter);
      p.catch(() => undefined); // a prefetched failure is reported when awaited, not as unhandled
      pending.push(p);
    };
    let lastYield = -1;
    while (next < total || pending.length > 0) {
      const asked = performance.now();
      if (lastYield >= 0) this.counters.busyMs += asked - lastYield;
      if (pending.length === 0) enqueue();
      const batch = await pending.shift()!;
      while (next < total && pending.length < this.options.prefetch) enqueue();
      this.batchIndex = next - pending.length;
      const c = this.counters;
      c.lastWaitMs = performance.now() - asked;
      c.waitMs += c.lastWaitMs;
      c.steps++;
      lastYield = performance.now();
      yield batch;
    }
    if (lastYield >= 0) this.counters.busyMs += performance.now() - lastYield;
    this.summarize();
    // A finished epoch moves on, so a trainer that forgets setEpoch still reshuffles.
    if (this.epoch === epoch) {
      this.epoch = epoch + 1;
      this.batchIndex = 0;
    }
  }

  private summarize(): void {
    const { logger, name } = this.options;
    if (!logger) return;
    const c = this.counters;
    const share = c.waitMs + c.busyMs > 0 ? (100 * c.waitMs) / (c.waitMs + c.busyMs) : 0;
    const dropped = c.dropped ? `, dropped ${c.dropped} undecodable image(s) (${this.stats().droppedTotal} so far)` : '';
    logger.info(
      `${name ?? 'loader'} epoch ${c.epoch}: ${c.steps} batches, waited ${(c.waitMs / 1000).toFixed(2)} s for data ` +
        `(${share.toFixed(1)}% of the epoch)${dropped}`,
    );
  }

  /**
   * Loads the sample at position p of the epoch order. An image that fails to decode is dropped
   * (WARN, counted toward maxBadFraction) and the slot takes the next sample of the order that
   * decodes: a function of the seed and of which files are bad only, so a resumed run gets the
   * same batches.
   */
  private async loadSlot<T>(
    order: Int32Array,
    p: number,
    limiter: Limiter,
    load: (idx: number) => Promise<T>,
  ): Promise<{ idx: number; value: T }> {
    const { source } = this;
    const n = order.length;
    for (let k = 0; k < n; k++) {
      const idx = order[(p + k) % n];
      const row = source.row(idx);
      if (source.bad?.has(row)) continue;
      try {
        return { idx, value: await limiter.run(() => load(idx)) };
      } catch (err) {
        if (!(err instanceof ImageDecodeError) || !source.bad) {
          throw new DataError(`row ${row} (${source.path(idx)}): ${(err as Error).message}`, { cause: err });
        }
        if (!source.bad.has(row)) this.counters.dropped++;
        source.bad.add(row, source.path(idx), err.message);
      }
    }
    throw new DataError('no image of the dataset could be decoded');
  }

  private async makeBatch(order: Int32Array, epoch: number, b: number, limiter: Limiter): Promise<Batch> {
    const { batchSize, shard, augment, seed } = this.options;
    const start = b * batchSize;
    const len = Math.min(batchSize, order.length - start);
    const from = shard ? start + Math.floor((shard.rank * len) / shard.worldSize) : start;
    const to = shard ? start + Math.floor(((shard.rank + 1) * len) / shard.worldSize) : start + len;
    const count = to - from;
    const [h, w, c] = this.processor.outputShape;
    const per = h * w * c;
    const images = new Float32Array(count * per);
    const picked = new Int32Array(count);
    // Batches made while the workers are still starting (the first ones of a run: a worker takes
    // a few hundred ms to load its modules) are made here instead of waiting; both give the same bits.
    const usable = this.source.offloadNow ? (this.source.offloadNow() ?? false) : await (this.source.offloadReady?.() ?? true);
    const offload = this.options.offload && this.source.loadProcessed && usable;
    const fill = async (j: number): Promise<void> => {
      if (offload) {
        // decode + augment + normalise in a worker thread
        const rngFor = (idx: number) => (augment ? [seed, 'augment', epoch, idx] : undefined);
        const { idx, value } = await this.loadSlot(order, from + j, limiter, (i) => this.source.loadProcessed!(i, rngFor(i)));
        picked[j] = idx;
        images.set(value, j * per);
        return;
      }
      const { idx, value: raw } = await this.loadSlot(order, from + j, limiter, (i) => this.source.load(i));
      picked[j] = idx;
      try {
        const image = augment ? augment.apply(rawToImage(raw), new Rng(seed, 'augment', epoch, idx)) : raw;
        this.processor.normalizeInto(image, images, j * per);
      } catch (err) {
        throw new DataError(`row ${this.source.row(idx)} (${this.source.path(idx)}): ${(err as Error).message}`, { cause: err });
      }
    };
    await Promise.all(Array.from({ length: count }, (_, j) => fill(j)));
    const batch: Batch = {
      images,
      shape: [count, h, w, c],
      rows: Array.from(picked, (i) => this.source.row(i)),
      paths: Array.from(picked, (i) => this.source.path(i)),
    };
    const labels = this.source.labels;
    if (labels) batch.labels = Int32Array.from(picked, (i) => labels[i]);
    const transforms = this.options.batchTransforms ?? [];
    if (transforms.length > 0 && batch.labels && count > 0) {
      const k = this.options.numClasses;
      const mixed = applyBatchTransforms(
        transforms,
        { images, shape: batch.shape, targets: oneHot(batch.labels, k), numClasses: k },
        new Rng(seed, 'batch', epoch, b),
      );
      batch.images = mixed.images;
      batch.targets = mixed.targets;
    }
    return batch;
  }
}

function freshCounters(epoch: number): Omit<LoaderStats, 'droppedTotal'> {
  return { epoch, steps: 0, lastWaitMs: 0, waitMs: 0, busyMs: 0, dropped: 0 };
}
