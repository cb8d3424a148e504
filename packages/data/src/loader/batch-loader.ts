import { DataError, Rng } from '@kiln/core';
import { rawToImage, type ImageProcessor, type RawImage, type Transform } from '@kiln/processors';
import type { Batch, DataLoader, Shard } from '../types';
import type { BatchTransform } from './batch-transforms';
import { Limiter } from './limiter';

/** The samples a loader walks over; `load` reads from the cache or decodes. */
export interface LoaderSource {
  readonly size: number;
  readonly rows: number[];
  readonly paths: string[];
  readonly labels?: Int32Array;
  load(index: number): Promise<RawImage>;
}

export interface BatchLoaderOptions {
  batchSize: number;
  shuffle: boolean;
  dropLast: boolean;
  seed: number;
  /** Batches prepared ahead while the consumer works on the current one. */
  prefetch: number;
  /** Images decoded at once. */
  decodeConcurrency: number;
  augment?: Transform;
  batchTransforms?: BatchTransform[];
  numClasses: number;
  shard?: Shard;
}

export interface LoaderPosition {
  epoch: number;
  batchIndex: number;
}

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
    if (!this.options.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    return Int32Array.from(new Rng(this.options.seed, 'shuffle', epoch).permutation(n));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    const epoch = this.epoch;
    const order = this.orderFor(epoch);
    const limiter = new Limiter(this.options.decodeConcurrency);
    const total = this.length;
    const pending: Array<Promise<Batch>> = [];
    let next = this.batchIndex;
    const enqueue = () => {
      const p = this.makeBatch(order, epoch, next++, limiter);
      p.catch(() => undefined); // a prefetched failure is reported when awaited, not as unhandled
      pending.push(p);
    };
    while (next < total || pending.length > 0) {
      if (pending.length === 0) enqueue();
      const batch = await pending.shift()!;
      while (next < total && pending.length < this.options.prefetch) enqueue();
      this.batchIndex = next - pending.length;
      yield batch;
    }
    // A finished epoch moves on, so a trainer that forgets setEpoch still reshuffles.
    if (this.epoch === epoch) {
      this.epoch = epoch + 1;
      this.batchIndex = 0;
    }
  }

  private async makeBatch(order: Int32Array, epoch: number, b: number, limiter: Limiter): Promise<Batch> {
    const { batchSize, shard, augment, seed } = this.options;
    const start = b * batchSize;
    const len = Math.min(batchSize, order.length - start);
    const from = shard ? start + Math.floor((shard.rank * len) / shard.worldSize) : start;
    const to = shard ? start + Math.floor(((shard.rank + 1) * len) / shard.worldSize) : start + len;
    const indices = order.subarray(from, to);
    const [h, w, c] = this.processor.outputShape;
    const per = h * w * c;
    const images = new Float32Array(indices.length * per);
    await Promise.all(
      Array.from(indices, (idx, j) =>
        limiter
          .run(() => this.source.load(idx))
          .then((raw) => {
            if (augment) {
              const image = augment.apply(rawToImage(raw), new Rng(seed, 'augment', epoch, idx));
              this.processor.normalizeInto(image, images, j * per);
            } else {
              this.processor.normalizeInto(raw, images, j * per);
            }
          })
          .catch((err: unknown) => {
            throw new DataError(`row ${this.source.rows[idx]} (${this.source.paths[idx]}): ${(err as Error).message}`, {
              cause: err,
            });
          }),
      ),
    );
    const batch: Batch = {
      images,
      shape: [indices.length, h, w, c],
      rows: Array.from(indices, (i) => this.source.rows[i]),
      paths: Array.from(indices, (i) => this.source.paths[i]),
    };
    const labels = this.source.labels;
    if (labels) batch.labels = Int32Array.from(indices, (i) => labels[i]);
    const transforms = this.options.batchTransforms ?? [];
    if (transforms.length > 0 && batch.labels && indices.length > 0) {
      const k = this.options.numClasses;
      let targets: Float32Array = new Float32Array(indices.length * k);
      batch.labels.forEach((label, i) => (targets[i * k + label] = 1));
      let imgs: Float32Array = images;
      const rng = new Rng(seed, 'batch', epoch, b);
      for (const t of transforms) {
        ({ images: imgs, targets } = t.applyBatch({ images: imgs, shape: batch.shape, targets, numClasses: k }, rng));
      }
      batch.images = imgs;
      batch.targets = targets;
    }
    return batch;
  }
}
