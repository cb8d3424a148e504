import type { ImageProcessor, RawImage } from '@kiln/processors';
import type { DiskCache } from './cache/disk-cache';
import type { MemoryCache } from './cache/memory-cache';
import type { RowIndex } from './index/row-index';
import type { BadSamples } from './loader/bad-samples';
import type { LoaderSource } from './loader/batch-loader';
import type { DecodePool, RngStream } from './workers/decode-pool';

/** Decodes a file to processed 8-bit pixels: the processor itself, or a worker pool around it. */
export interface RawDecoder {
  decodeRaw(path: string): Promise<RawImage>;
}

/**
 * The kept rows of one split (a compact `RowIndex`) with their label ids, the caches in front
 * of the decoder and the CSV's bad-row count. `load` reads memory cache → disk cache → file.
 */
export class SampleSet implements LoaderSource {
  disk?: DiskCache;
  /** Worker threads that decode, augment and normalise; set by the data module. */
  pool?: DecodePool;

  constructor(
    readonly index: RowIndex,
    private readonly processor: ImageProcessor,
    readonly bad?: BadSamples,
    readonly memory?: MemoryCache,
    private readonly decoder: RawDecoder = processor,
  ) {}

  get size(): number {
    return this.index.size;
  }
  get labels(): Int32Array | undefined {
    return this.index.labels;
  }
  row(i: number): number {
    return this.index.rows[i];
  }
  path(i: number): string {
    return this.index.path(i);
  }

  async load(i: number): Promise<RawImage> {
    const [height, width, channels] = this.processor.outputShape;
    const key = this.index.rows[i];
    const hit = this.memory?.get(key);
    if (hit) return { data: hit, height, width, channels };
    if (this.disk?.has(i)) {
      const data = await this.disk.read(i);
      this.memory?.put(key, data);
      return { data, height, width, channels };
    }
    const raw = await this.decoder.decodeRaw(this.index.path(i));
    this.memory?.put(key, raw.data);
    if (this.disk) await this.disk.write(i, raw.data);
    return raw;
  }

  /**
   * Decoded, augmented (with `rng`) and normalised in a worker: what `load` + the loader's
   * main-thread work would give, bit for bit. Cached pixels are sent to the worker; decoded
   * ones come back with their 8-bit pixels for the caches.
   */
  /** Whether `loadProcessed` can be used: a pool whose workers all started. */
  offloadReady(): Promise<boolean> {
    return this.pool ? this.pool.ready : Promise.resolve(false);
  }

  /** Whether `loadProcessed` can be used right now (undefined: the workers are still starting). */
  offloadNow(): boolean | undefined {
    return this.pool ? this.pool.readyNow : false;
  }

  async loadProcessed(i: number, rng?: RngStream): Promise<Float32Array> {
    const pool = this.pool!;
    const key = this.index.rows[i];
    const hit = this.memory?.get(key) ?? (this.disk?.has(i) ? await this.disk.read(i) : undefined);
    if (hit) {
      this.memory?.put(key, hit);
      return (await pool.process({ raw: hit, rng, wantRaw: false })).image;
    }
    const r = await pool.process({ path: this.index.path(i), rng, wantRaw: !!(this.memory || this.disk) });
    if (r.raw) {
      this.memory?.put(key, r.raw);
      if (this.disk) await this.disk.write(i, r.raw);
    }
    return r.image;
  }

  /** A subset (e.g. the two sides of a split), sharing the memory cache and the bad-row count. */
  subset(indices: ArrayLike<number>): SampleSet {
    const set = new SampleSet(this.index.subset(indices), this.processor, this.bad, this.memory, this.decoder);
    set.pool = this.pool;
    return set;
  }
}
