import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, DataError, KilnError, resolveUserPath, silentLogger, z, type ComponentContext, type Logger } from '@kiln/core';
import { splitAugmentation, type BatchTransform, type Transform } from '@kiln/augmentation';
import { ImageProcessor } from '@kiln/processors';
import { loadClasses, saveClasses } from '../classes-file';
import { defaultDecodeConcurrency, defaultWorkers, loaderOptionsShape } from '../loader-options';
import type { DecodePool } from '../workers/decode-pool';
import { decodePoolFor } from '../workers/attach-pool';
import type { DataLoader, DataModule, Shard, Stage } from '../types';
import { countTarSamples, expandShards } from './samples';
import { WebDatasetLoader, type WdsPosition } from './webdataset-loader';

const shardList = z.union([z.string().min(1), z.array(z.string().min(1))]).nullable().default(null);

const { cache: _cache, cacheBytes: _cb, cacheDir: _cd, verify: _v, ...streamOptions } = loaderOptionsShape;

const optionsSchema = z
  .object({
    trainShards: shardList.describe('training shards: paths or brace ranges (shard-{000000..000009}.tar)'),
    valShards: shardList.describe('validation shards'),
    testShards: shardList.describe('test shards'),
    classes: z.array(z.string()).nullable().default(null).describe("class names; default: classes.json beside the shards, then the run's"),
    shuffleBuffer: z.number().int().min(0).default(1000).describe('samples held by the seeded shuffle buffer'),
    ...streamOptions,
  })
  .strict();

export type WebDatasetDataModuleOptions = z.input<typeof optionsSchema>;
type Parsed = z.output<typeof optionsSchema>;

/** Relative option paths resolve by Kiln's one path rule (core's `resolveUserPath`). */
const fromCwd = resolveUserPath;

/**
 * Image classification data in WebDataset `.tar` shards (`key.jpg|png` + `key.cls|json`),
 * the format large public datasets ship in: streamed, never indexed in memory; shards are
 * split across ranks, shuffled per epoch with a seeded buffer. `packShards` writes them from a CSV.
 */
export class WebDatasetDataModule implements DataModule {
  static readonly type = 'webdataset';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Images in WebDataset .tar shards (key.jpg + key.cls), streamed';

  readonly options: Parsed;
  readonly processor: ImageProcessor;
  private readonly logger: Logger;
  private readonly runDir?: string;
  private readonly seed: number;
  private classList?: string[];
  private readonly splits: Partial<Record<'train' | 'val' | 'test', { shards: string[]; counts: number[] }>> = {};
  private train?: { loader: WebDatasetLoader; key: string };
  private pendingState?: WdsPosition;
  private pool?: DecodePool;

  constructor(options: WebDatasetDataModuleOptions, context: ComponentContext = {}) {
    this.options = optionsSchema.parse(options);
    const proc = this.options.processor as unknown;
    this.processor =
      proc instanceof ImageProcessor || typeof (proc as { decodeRaw?: unknown }).decodeRaw === 'function'
        ? (proc as ImageProcessor)
        : new ImageProcessor(Object.fromEntries(Object.entries((proc ?? {}) as object).filter(([k]) => k !== '_target_')));
    this.logger = context.logger ?? silentLogger;
    this.runDir = context.runDir;
    this.seed = this.options.seed ?? context.seed ?? 0;
  }

  get classes(): string[] {
    if (!this.classList) throw new KilnError('data module: call setup() before reading classes');
    return this.classList;
  }
  get numClasses(): number {
    return this.classes.length;
  }
  get inputShape(): [number, number, number] {
    return this.processor.outputShape;
  }

  /** The configured shard files of a split (brace ranges expanded) and those that do not exist. */
  private resolveShards(which: 'train' | 'val' | 'test'): { shards: string[]; missing: string[] } | undefined {
    const spec = this.options[`${which}Shards`];
    if (!spec) return undefined;
    const shards = (Array.isArray(spec) ? spec : [spec]).flatMap(expandShards).map(fromCwd);
    return { shards, missing: shards.filter((s) => !existsSync(s)) };
  }

  /**
   * What `setup(stage)` would refuse, found without reading any tar (for a run's pre-flight check,
   * before anything is written): a missing required key, shard files that do not exist.
   */
  shardProblems(stage: Stage): string[] {
    const key = stage === 'fit' ? 'trainShards' : 'testShards';
    if (!this.options[key]) return [`data.${key} is required for ${stage} with data=webdataset`];
    const problems: string[] = [];
    for (const which of stage === 'fit' ? (['train', 'val'] as const) : (['test'] as const)) {
      const missing = this.resolveShards(which)?.missing ?? [];
      if (missing.length) problems.push(`${missing.length} ${which} shard(s) not found, first: ${missing[0]}`);
    }
    return problems;
  }

  async setup(stage: Stage): Promise<void> {
    const o = this.options;
    const wanted: Array<'train' | 'val' | 'test'> = stage === 'fit' ? ['train', 'val'] : ['test'];
    const first = stage === 'fit' ? o.trainShards : o.testShards;
    if (!first) {
      const key = stage === 'fit' ? 'trainShards' : 'testShards';
      throw new ConfigError(`data.${key} is required for ${stage} with data=webdataset`, { path: `data.${key}` });
    }
    for (const which of wanted) {
      if (this.splits[which]) continue;
      const resolved = this.resolveShards(which);
      if (!resolved) continue;
      const { shards, missing } = resolved;
      if (missing.length) throw new DataError(`${missing.length} ${which} shard(s) not found, first: ${missing[0]}`);
      const counts = shards.map(countTarSamples);
      this.splits[which] = { shards, counts };
      this.logger.info(`webdataset ${which}: ${shards.length} shard(s), ${counts.reduce((a, b) => a + b, 0)} samples`);
    }
    if (!this.classList) {
      const beside = loadClasses(dirname(this.splits[wanted[0]]!.shards[0]));
      this.classList = o.classes ?? beside ?? (this.runDir ? loadClasses(this.runDir) : undefined);
      if (!this.classList) {
        throw new ConfigError('data.classes is required: no classes.json beside the shards or in the run directory', { path: 'data.classes' });
      }
    }
    if (stage === 'fit' && this.runDir) saveClasses(this.runDir, this.classList);
  }

  private loader(which: 'train' | 'val' | 'test', shard: Shard | undefined, train: boolean): WebDatasetLoader | undefined {
    const split = this.splits[which];
    if (!split) {
      if (which === 'train' || (which === 'test' && this.options.testShards)) {
        throw new KilnError(`data module: call setup() before ${which}Loader()`);
      }
      return undefined;
    }
    const { transform, batchTransforms } = train
      ? splitAugmentation(this.options.augmentation as Transform | BatchTransform | undefined)
      : { transform: undefined, batchTransforms: [] };
    const pool = decodePoolFor({
      workers: this.options.workers ?? defaultWorkers(),
      processor: this.processor,
      augment: transform,
      shared: this.pool,
      logger: this.logger,
    });
    if (pool && (transform || !this.pool)) this.pool = pool;
    return new WebDatasetLoader(this.processor, {
      pool,
      ...split,
      classes: this.classes,
      batchSize: this.options.batchSize,
      shuffle: train && this.options.shuffle,
      shuffleBuffer: this.options.shuffleBuffer,
      seed: this.seed,
      prefetch: this.options.prefetch,
      decodeConcurrency: this.options.decodeConcurrency ?? defaultDecodeConcurrency(),
      maxBadFraction: this.options.maxBadFraction,
      partial: !train,
      augment: transform,
      batchTransforms,
      shard,
      logger: this.logger,
    });
  }

  trainLoader(shard?: Shard): DataLoader {
    const key = shard ? `${shard.rank}/${shard.worldSize}` : '';
    if (this.train?.key === key) return this.train.loader;
    const loader = this.loader('train', shard, true)!;
    const position = this.pendingState ?? this.train?.loader.position();
    if (position) loader.seek(position);
    this.pendingState = undefined;
    this.train = { loader, key };
    return loader;
  }
  valLoader(shard?: Shard): DataLoader | undefined {
    return this.loader('val', shard, false);
  }
  testLoader(shard?: Shard): DataLoader | undefined {
    return this.loader('test', shard, false);
  }

  /** `{ epoch, batchIndex, consumed }`: `consumed` stream samples (dropped ones included) are skipped on resume. */
  stateDict(): Record<string, unknown> {
    return { ...(this.train?.loader.position() ?? this.pendingState ?? { epoch: 0, batchIndex: 0, consumed: 0 }) };
  }

  loadStateDict(state: Record<string, unknown>): void {
    const p = { epoch: Number(state.epoch ?? 0), batchIndex: Number(state.batchIndex ?? 0), consumed: Number(state.consumed ?? 0) };
    if (!Object.values(p).every((v) => Number.isInteger(v) && v >= 0)) {
      throw new DataError(`invalid webdataset data module state ${JSON.stringify(state)}`);
    }
    if (this.train) this.train.loader.seek(p);
    else this.pendingState = p;
  }
}
