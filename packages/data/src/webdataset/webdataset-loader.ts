import { basename } from 'node:path';
import { DataError, Rng, silentLogger, type Logger } from '@kiln/core';
import { applyBatchTransforms, oneHot, type BatchTransform, type Transform } from '@kiln/augmentation';
import { ImageDecodeError, rawToImage, type ImageProcessor, type RawImage } from '@kiln/processors';
import { labelIdOf } from '../labels';
import { Limiter } from '../loader/limiter';
import type { LoaderStats } from '../loader/batch-loader';
import type { Batch, DataLoader, Shard } from '../types';
import type { DecodePool } from '../workers/decode-pool';
import { sampleLabel } from './labels';
import { IMAGE_EXTENSIONS, assignShards, shuffleBuffer, tarSamples, type WdsSample } from './samples';

export interface WebDatasetLoaderOptions {
  shards: string[];
  /** Samples per shard (same order as `shards`), from `countTarSamples`. */
  counts: number[];
  classes: string[];
  /** Global batch size: rank r of W takes ⌊(r+1)B/W⌋ − ⌊rB/W⌋ of each step. */
  batchSize: number;
  shuffle: boolean;
  shuffleBuffer: number;
  seed: number;
  prefetch: number;
  decodeConcurrency: number;
  maxBadFraction: number;
  /** Train: every rank takes the same number of full batches. Eval: all samples, empty batches pad the short ranks. */
  partial: boolean;
  augment?: Transform;
  batchTransforms?: BatchTransform[];
  shard?: Shard;
  logger?: Logger;
  /** Worker threads that decode, augment (when `augment` is set, rebuilt there) and normalise. */
  pool?: DecodePool;
}

/** Where a WebDataset loader stands: stream samples consumed, so a resume skips exactly those. */
export interface WdsPosition {
  epoch: number;
  batchIndex: number;
  consumed: number;
}

/**
 * Batches from `.tar` shards, streamed: this rank's shards (see `assignShards`) in a seeded
 * order, through a seeded shuffle buffer, decoded `decodeConcurrency` at a time. A sample
 * that has no image, no usable label or fails to decode is dropped with a WARN naming shard
 * and key and its slot taken by the next sample of the stream.
 */
export class WebDatasetLoader implements DataLoader {
  private pos: WdsPosition = { epoch: 0, batchIndex: 0, consumed: 0 };
  private dropped = 0;
  private counters: Omit<LoaderStats, 'droppedTotal'> = { epoch: 0, steps: 0, lastWaitMs: 0, waitMs: 0, busyMs: 0, dropped: 0 };
  private readonly rank: number;
  private readonly world: number;
  private readonly local: number;
  private readonly perRank: number[];
  private readonly classIndex: Map<string, number>;

  constructor(
    private readonly processor: ImageProcessor,
    private readonly o: WebDatasetLoaderOptions,
  ) {
    this.rank = o.shard?.rank ?? 0;
    this.world = o.shard?.worldSize ?? 1;
    if (o.shards.length < this.world) {
      throw new DataError(`${o.shards.length} shard(s) cannot be split across ${this.world} ranks: each rank needs at least one`);
    }
    const share = (r: number) => Math.floor(((r + 1) * o.batchSize) / this.world) - Math.floor((r * o.batchSize) / this.world);
    this.local = share(this.rank);
    if (this.local < 1) throw new DataError(`batchSize ${o.batchSize} is smaller than the ${this.world} ranks`);
    this.perRank = Array.from({ length: this.world }, (_, r) =>
      o.shards.reduce((sum, _s, i) => (i % this.world === r ? sum + o.counts[i] : sum), 0),
    );
    this.classIndex = new Map(o.classes.map((c, i) => [c, i]));
  }

  get length(): number {
    const steps = this.perRank.map((n, r) => {
      const b = Math.floor(((r + 1) * this.o.batchSize) / this.world) - Math.floor((r * this.o.batchSize) / this.world);
      return this.o.partial ? Math.ceil(n / b) : Math.floor(n / b);
    });
    return this.o.partial ? Math.max(...steps) : Math.min(...steps);
  }

  /** Images dropped so far (no image, bad label, failed to decode). */
  get droppedCount(): number {
    return this.dropped;
  }

  /** Same counters as `BatchLoader.stats()`: wait for data, step time, dropped samples. */
  stats(): LoaderStats {
    return { ...this.counters, droppedTotal: this.dropped };
  }

  setEpoch(epoch: number): void {
    if (epoch !== this.pos.epoch) this.pos = { epoch, batchIndex: 0, consumed: 0 };
  }

  position(): WdsPosition {
    return { ...this.pos };
  }

  seek(p: WdsPosition): void {
    this.pos = { ...p };
  }

  private stream(epoch: number): AsyncGenerator<WdsSample> {
    const { o } = this;
    const mine = assignShards(o.shards, { epoch, seed: o.seed, shuffle: o.shuffle, rank: this.rank, worldSize: this.world });
    async function* all(): AsyncGenerator<WdsSample> {
      for (const s of mine) yield* tarSamples(s);
    }
    return o.shuffle ? shuffleBuffer(all(), o.shuffleBuffer, new Rng(o.seed, 'wds-buffer', epoch, this.rank)) : all();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    const epoch = this.pos.epoch;
    const total = this.length;
    const stream = this.stream(epoch);
    let consumed = 0;
    for (; consumed < this.pos.consumed; consumed++) if ((await stream.next()).done) break; // exact resume, no decoding
    const limiter = new Limiter(this.o.decodeConcurrency);
    const pending: Array<Promise<{ batch: Batch; consumed: number }>> = [];
    let next = this.pos.batchIndex;
    let chain: Promise<unknown> = Promise.resolve();
    const enqueue = () => {
      const b = next++;
      const p = chain.then(() => this.makeBatch(stream, epoch, b, consumed, limiter)).then((r) => {
        consumed = r.consumed;
        return r;
      });
      chain = p.catch(() => undefined);
      p.catch(() => undefined);
      pending.push(p);
    };
    if (this.counters.epoch !== epoch || next === 0) this.counters = { epoch, steps: 0, lastWaitMs: 0, waitMs: 0, busyMs: 0, dropped: 0 };
    const c = this.counters;
    let lastYield = -1;
    while (next < total || pending.length > 0) {
      const asked = performance.now();
      if (lastYield >= 0) c.busyMs += asked - lastYield;
      if (pending.length === 0) enqueue();
      const { batch, consumed: after } = await pending.shift()!;
      while (next < total && pending.length < this.o.prefetch) enqueue();
      this.pos = { epoch, batchIndex: next - pending.length, consumed: after };
      c.lastWaitMs = performance.now() - asked;
      c.waitMs += c.lastWaitMs;
      c.steps++;
      lastYield = performance.now();
      yield batch;
    }
    if (lastYield >= 0) c.busyMs += performance.now() - lastYield;
    await stream.return(undefined);
    this.o.logger?.info(
      `webdataset epoch ${epoch}: ${c.steps} batches, waited ${(c.waitMs / 1000).toFixed(2)} s for data` +
        (c.dropped ? `, dropped ${c.dropped} sample(s) (${this.dropped} so far)` : ''),
    );
    if (this.pos.epoch === epoch) this.pos = { epoch: epoch + 1, batchIndex: 0, consumed: 0 };
  }

  private async makeBatch(
    stream: AsyncGenerator<WdsSample>,
    epoch: number,
    b: number,
    consumedBefore: number,
    limiter: Limiter,
  ): Promise<{ batch: Batch; consumed: number }> {
    const [h, w, c] = this.processor.outputShape;
    const per = h * w * c;
    const got: Array<{ s: WdsSample; px: RawImage | Float32Array; label: number; n: number }> = [];
    const pool = this.o.pool && (await this.o.pool.ready) ? this.o.pool : undefined;
    let consumed = consumedBefore;
    while (got.length < this.local) {
      const want = this.local - got.length;
      const batch: Array<{ s: WdsSample; n: number }> = [];
      while (batch.length < want) {
        const r = await stream.next();
        if (r.done) break;
        batch.push({ s: r.value, n: consumed++ });
      }
      if (batch.length === 0) break;
      const rng = (n: number) => (this.o.augment ? [this.o.seed, 'augment', epoch, this.rank, n] : undefined);
      const results = await Promise.all(
        batch.map(({ s, n }) => limiter.run(() => this.decode(s, pool, rng(n))).then((r) => ({ s, n, ...r }))),
      );
      for (const r of results) {
        if ('reason' in r) this.drop(r.s, r.reason);
        else got.push({ s: r.s, px: r.px, label: r.label, n: r.n });
      }
    }
    const n = got.length;
    const images = new Float32Array(n * per);
    got.forEach((g, j) => {
      if (g.px instanceof Float32Array) return images.set(g.px, j * per); // done in a worker
      const img = this.o.augment ? this.o.augment.apply(rawToImage(g.px), new Rng(this.o.seed, 'augment', epoch, this.rank, g.n)) : g.px;
      this.processor.normalizeInto(img, images, j * per);
    });
    const labels = Int32Array.from(got, (g) => g.label);
    const out: Batch = {
      images,
      shape: [n, h, w, c],
      labels,
      rows: got.map((g) => g.n + 1),
      paths: got.map((g) => `${g.s.shard}#${g.s.key}`),
    };
    const bt = this.o.batchTransforms ?? [];
    if (bt.length && n > 0) {
      const k = this.o.classes.length;
      const mixed = applyBatchTransforms(bt, { images, shape: out.shape, targets: oneHot(labels, k), numClasses: k }, new Rng(this.o.seed, 'batch', epoch, b));
      out.images = mixed.images;
      out.targets = mixed.targets;
    }
    return { batch: out, consumed };
  }

  private async decode(
    s: WdsSample,
    pool: DecodePool | undefined,
    rng: Array<string | number> | undefined,
  ): Promise<{ px: RawImage | Float32Array; label: number } | { reason: string }> {
    const ext = IMAGE_EXTENSIONS.find((e) => s.files[e]);
    if (!ext) return { reason: `no image (${IMAGE_EXTENSIONS.map((e) => `.${e}`).join('/')}) in the sample` };
    const cell = sampleLabel(s);
    if (cell === undefined) return { reason: 'no label (.cls, or .json with "label")' };
    const label = labelIdOf(cell, this.o.classes, this.classIndex);
    if (typeof label === 'string') return { reason: label };
    try {
      const bytes = s.files[ext];
      if (pool) return { px: (await pool.process({ bytes: Uint8Array.from(bytes), rng, wantRaw: false })).image, label };
      return { px: await this.processor.decodeRaw(bytes), label };
    } catch (err) {
      if (err instanceof ImageDecodeError) return { reason: err.message.replace(/: buffer$/, '') };
      throw err;
    }
  }

  private drop(s: WdsSample, reason: string): void {
    this.dropped++;
    this.counters.dropped++;
    const logger = this.o.logger ?? silentLogger;
    logger.warn(`dropped ${basename(s.shard)} sample ${s.key}: ${reason}; its slot takes the next sample`);
    const total = this.perRank[this.rank];
    if (this.dropped / Math.max(1, total) > this.o.maxBadFraction) {
      throw new DataError(
        `${this.dropped} of this rank's ${total} WebDataset samples are bad (> maxBadFraction ${this.o.maxBadFraction * 100}%); ` +
          `last: ${basename(s.shard)} sample ${s.key}: ${reason}`,
      );
    }
  }
}
