import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { ImageDecodeError, type DecodeFailure, type ImageProcessor, type RawImage } from '@kiln/processors';
import type { TransformSpec } from './transform-spec';

/** The `Rng` stream of one sample's augmentation: `new Rng(...stream)`. */
export type RngStream = Array<string | number>;

interface Job {
  id: number;
  path?: string;
  /** Encoded file bytes (a WebDataset member) to decode. */
  bytes?: Uint8Array;
  raw?: Uint8Array;
  /** Augment with this stream (needs the pool's transform); absent = normalise only. */
  rng?: RngStream;
  /** Return the decoded 8-bit pixels too (for the caches). */
  wantRaw: boolean;
  /** Return only the decoded pixels (no normalise). */
  rawOnly?: boolean;
}

type Reply = { id: number; image?: Float32Array; raw?: Uint8Array; error?: { message: string; reason?: DecodeFailure; decode: boolean } };

// Plain CommonJS with `eval: true`: the same code runs from dist/ and under vitest. It loads the
// built packages by absolute path, so the worker decodes, augments and normalises exactly as
// the main thread would (same classes, same Rng streams).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
// the CLI's V8 compile cache (apps/cli compile-cache.ts) for this thread's module loads, when it runs
if (process.env.KILN_COMPILE_CACHE_HOOK) try { require(process.env.KILN_COMPILE_CACHE_HOOK).enableCompileCache(); } catch {}
const { ImageProcessor, ImageDecodeError, rawToImage } = require(workerData.paths.processors);
const { Rng } = require(workerData.paths.core);
const { TRANSFORM_CLASSES } = require(workerData.paths.augmentation);
function build(spec) {
  const C = TRANSFORM_CLASSES.find((c) => c.type === spec.type);
  const o = { ...spec.options };
  if (spec.type === 'compose') o.transforms = o.transforms.map(build);
  return new C(o);
}
const processor = new ImageProcessor(workerData.processor);
const augment = workerData.augmentation ? build(workerData.augmentation) : undefined;
const [h, w, c] = processor.outputShape;
parentPort.postMessage({ ready: true });
parentPort.on('message', async (m) => {
  try {
    const source = m.path !== undefined ? m.path : m.bytes;
    const raw = source !== undefined ? await processor.decodeRaw(source) : { data: m.raw, height: h, width: w, channels: c };
    const reply = { id: m.id };
    const transfer = [];
    if (m.wantRaw || m.rawOnly) {
      reply.raw = source !== undefined ? new Uint8Array(raw.data) : raw.data;
      transfer.push(reply.raw.buffer);
    }
    if (!m.rawOnly) {
      const image = new Float32Array(processor.outputSize);
      if (m.rng && augment) processor.normalizeInto(augment.apply(rawToImage(raw), new Rng(...m.rng)), image, 0);
      else processor.normalizeInto(raw, image, 0);
      reply.image = image;
      transfer.push(image.buffer);
    }
    parentPort.postMessage(reply, transfer);
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: { message: String(e && e.message), reason: e && e.reason, decode: e instanceof ImageDecodeError } });
  }
});
`;

/** The built entry points the worker loads; undefined when a package is not built (then no pool). */
export function builtPaths(): Record<'processors' | 'core' | 'augmentation', string> | undefined {
  try {
    const req = createRequire(__filename);
    return {
      processors: req.resolve('@kiln/processors'),
      core: req.resolve('@kiln/core'),
      augmentation: req.resolve('@kiln/augmentation'),
    };
  } catch {
    return undefined;
  }
}

/**
 * Worker threads that decode (sharp), augment and normalise images off the main thread, so
 * batches keep coming while a synchronous model step holds it. Jobs go to the least busy
 * worker; threads are unref'd while idle, so an unfinished pool never keeps a process alive.
 */
export class DecodePool {
  private readonly workers: Array<{ w: Worker; busy: number; started: boolean }> = [];
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void; worker: number }>();
  private nextId = 0;
  readonly augments: boolean;
  /** Resolves true once every worker has started, false if one failed to (the loader then stays on the main thread). */
  readonly ready: Promise<boolean>;

  constructor(
    size: number,
    private readonly processor: ImageProcessor,
    augmentation?: TransformSpec,
  ) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`workers must be >= 1 (got ${size})`);
    this.augments = augmentation !== undefined;
    const paths = builtPaths();
    if (!paths) throw new Error('@kiln/processors, @kiln/core or @kiln/augmentation is not built (no dist/)');
    const workerData = { paths, processor: processor.toConfig(), augmentation };
    const started: Array<Promise<boolean>> = [];
    for (let k = 0; k < size; k++) {
      const w = new Worker(WORKER, { eval: true, workerData });
      started.push(
        new Promise<boolean>((resolve) => {
          w.once('message', () => resolve(true));
          w.once('error', () => resolve(false));
          w.once('exit', () => resolve(false));
        }),
      );
      // Referenced until started (a loader may be awaiting `ready`), then only while it has jobs.
      w.on('message', (r: Reply | { ready: true }) => {
        if (!('ready' in r)) return this.settle(k, r);
        this.workers[k].started = true;
        if (this.workers[k].busy === 0) w.unref();
      });
      w.on('error', (err) => this.failAll(k, err));
      w.on('exit', (code) => this.failAll(k, new Error(`decode worker exited with code ${code}`)));
      this.workers.push({ w, busy: 0, started: false });
    }
    this.ready = Promise.all(started).then((ok) => (this.readyNow = ok.every(Boolean)));
  }

  /** true once every worker has started, false when one failed, undefined while they start. */
  readyNow: boolean | undefined;

  get size(): number {
    return this.workers.length;
  }

  /** Decoded 8-bit pixels of a file (`RawDecoder`). */
  async decodeRaw(path: string): Promise<RawImage> {
    const r = await this.run({ path, wantRaw: false, rawOnly: true });
    const [height, width, channels] = this.processor.outputShape;
    return { data: r.raw!, height, width, channels };
  }

  /** Decode (from `path`) or take `raw`, augment with `rng` when given, normalise. */
  async process(job: {
    path?: string;
    bytes?: Uint8Array;
    raw?: Uint8Array;
    rng?: RngStream;
    wantRaw: boolean;
  }): Promise<{ image: Float32Array; raw?: Uint8Array }> {
    const r = await this.run(job);
    return { image: r.image!, raw: r.raw };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(({ w }) => w.terminate()));
  }

  private run(job: Omit<Job, 'id'>): Promise<Reply> {
    const id = this.nextId++;
    let k = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.workers[i].busy < this.workers[k].busy) k = i;
    const slot = this.workers[k];
    if (slot.busy++ === 0) slot.w.ref();
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: k });
      const raw = job.raw?.slice(); // a copy is transferred: cached pixels stay usable here
      const transfer = [raw?.buffer, job.bytes?.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
      slot.w.postMessage({ ...job, raw, id }, transfer);
    }).then((r) => {
      if (r.error) {
        throw r.error.decode ? new ImageDecodeError(r.error.reason ?? 'corrupt', r.error.message) : new Error(r.error.message);
      }
      return r;
    });
  }

  private settle(k: number, r: Reply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    const slot = this.workers[k];
    if (--slot.busy === 0 && slot.started) slot.w.unref();
    p.resolve(r);
  }

  private failAll(k: number, err: Error): void {
    for (const [id, p] of this.pending) {
      if (p.worker !== k) continue;
      this.pending.delete(id);
      p.reject(err);
    }
    this.workers[k].busy = 0;
  }
}

const shared = new Map<string, DecodePool>();

/**
 * One pool per (size, processor config, augmentation) in the process: data modules built
 * again (tests, `kiln test` after `train`) reuse the threads instead of starting more.
 */
export function sharedDecodePool(size: number, processor: ImageProcessor, augmentation?: TransformSpec): DecodePool {
  const key = JSON.stringify([size, processor.toConfig(), augmentation ?? null]);
  let pool = shared.get(key);
  if (!pool) {
    // A worker that cannot start is not retried: `ready` says false and loaders stay on the main thread.
    pool = new DecodePool(size, processor, augmentation);
    shared.set(key, pool);
  }
  return pool;
}
