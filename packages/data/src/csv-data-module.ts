import { basename } from 'node:path';
import { ConfigError, DataError, KilnError, silentLogger, type ComponentContext, type Logger } from '@kiln/core';
import { ImageProcessor } from '@kiln/processors';
import { loadClasses, saveClasses } from './classes-file';
import { splitAugmentation, type BatchTransform, type Transform } from '@kiln/augmentation';
import { defaultDiskCacheDir } from './cache/disk-cache';
import { ByteBudget, MemoryCache, defaultCacheBytes } from './cache/memory-cache';
import { readCsvIndex, type CsvIndex } from './csv/read-csv-index';
import { inferClasses, labelIdsFromCodes } from './labels';
import { BatchLoader, type LoaderPosition } from './loader/batch-loader';
import { csvOptionsSchema, fromCwd, stripTarget, type CsvDataModuleOptions, type CsvParsedOptions } from './csv-options';
import { defaultDecodeConcurrency, defaultWorkers } from './loader-options';
import type { DecodePool } from './workers/decode-pool';
import { attachDecodePool } from './workers/attach-pool';
import { attachDiskCache, prepareSet } from './prepare-set';
import type { SampleSet } from './sample-set';
import { stratifiedSplit } from './split';
import type { BadRow, DataLoader, DataModule, Shard, Stage } from './types';

/**
 * Image classification data from CSV files (`path,label,…`). `setup('fit')` streams the CSVs
 * into a compact row index, fixes the class list, runs the `verify` pre-pass (default: stat
 * every file; `decode`: decode every image once), drops bad rows with a WARN (aborting above
 * `maxBadFraction`) and writes `classes.json`. Images that fail to decode later, while their
 * batch loads, are dropped the same way and their slot refilled.
 */
export class CsvDataModule implements DataModule {
  static readonly type = 'csv';
  static readonly optionsSchema = csvOptionsSchema;
  static readonly description = 'Images listed in CSV files (path, label, extra columns kept as metadata)';

  readonly options: CsvParsedOptions;
  readonly processor: ImageProcessor;
  private readonly logger: Logger;
  private readonly runDir?: string;
  private readonly seed: number;
  private classList?: string[];
  private sets: { train?: SampleSet; val?: SampleSet; test?: SampleSet } = {};
  private train?: { loader: BatchLoader; key: string };
  private pendingState?: LoaderPosition;
  private readonly ready = new Set<Stage>();
  private budget?: ByteBudget;
  private pool?: DecodePool;
  /** Rows dropped per CSV during the last setup (for reports). */
  readonly droppedRows: Record<string, BadRow[]> = {};

  constructor(options: CsvDataModuleOptions, context: ComponentContext = {}) {
    this.options = csvOptionsSchema.parse(options);
    const proc = this.options.processor as unknown;
    // By hand, `processor` may be plain options; from config it is already built.
    this.processor =
      proc instanceof ImageProcessor || typeof (proc as { decodeRaw?: unknown }).decodeRaw === 'function'
        ? (proc as ImageProcessor)
        : new ImageProcessor(stripTarget(proc));
    this.logger = context.logger ?? silentLogger;
    this.runDir = context.runDir;
    this.seed = this.options.seed ?? context.seed ?? 0;
    if (this.options.valCsv && this.options.valSplit) {
      throw new ConfigError('set either data.valCsv or data.valSplit, not both', { path: 'data.valSplit' });
    }
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
  private get concurrency(): number {
    return this.options.decodeConcurrency ?? defaultDecodeConcurrency();
  }

  async setup(stage: Stage): Promise<void> {
    if (this.ready.has(stage)) return;
    if (stage === 'fit') await this.setupFit();
    else await this.setupTest(stage);
    this.ready.add(stage);
  }

  private async setupFit(): Promise<void> {
    const o = this.options;
    if (!o.trainCsv) throw new ConfigError('data.trainCsv is required for data=csv', { path: 'data.trainCsv' });
    const trainPath = fromCwd(o.trainCsv);
    const train = await this.read(trainPath, true);
    this.classList = o.classes ?? (this.runDir ? loadClasses(this.runDir) : undefined) ?? inferClasses(train.labelNames);
    const trainSet = await this.build(train);
    if (o.valCsv) {
      const valPath = fromCwd(o.valCsv);
      this.sets.val = await this.build(await this.read(valPath, true));
      this.sets.train = trainSet;
    } else if (o.valSplit) {
      const { train: t, val: v } = stratifiedSplit(trainSet.labels!, o.valSplit, this.seed);
      this.sets.train = trainSet.subset(t);
      this.sets.val = trainSet.subset(v);
      this.logger.info(`valSplit ${o.valSplit}: ${t.length} train / ${v.length} val samples (stratified, seed ${this.seed})`);
    } else {
      this.sets.train = trainSet;
    }
    if (this.sets.train.size === 0) throw new DataError(`${basename(trainPath)}: no usable training rows`);
    if (o.cache === 'disk') {
      for (const set of [this.sets.train, this.sets.val]) if (set) await this.attachDisk(set);
    }
    if (this.runDir) saveClasses(this.runDir, this.classList);
    // Start the training loader's decode workers now: they load their modules (a few hundred ms)
    // while the model is built instead of when the first batch is asked for.
    this.offload(this.sets.train, splitAugmentation(this.options.augmentation as Transform | BatchTransform | undefined).transform);
  }

  private async setupTest(stage: Stage): Promise<void> {
    const o = this.options;
    if (!o.testCsv) throw new ConfigError(`data.testCsv is required for ${stage}`, { path: 'data.testCsv' });
    const testPath = fromCwd(o.testCsv);
    const test = await this.read(testPath, false);
    if (!this.classList) {
      this.classList =
        o.classes ??
        (this.runDir ? loadClasses(this.runDir) : undefined) ??
        (o.trainCsv ? inferClasses((await this.read(fromCwd(o.trainCsv), true)).labelNames) : undefined);
      if (!this.classList) {
        if (!test.hasLabels) throw new ConfigError(`data.classes is required for ${stage} without a run's classes.json`);
        this.logger.warn(`no classes given and no classes.json: inferring the class list from ${basename(testPath)}`);
        this.classList = inferClasses(test.labelNames);
      }
    }
    this.sets.test = await this.build(test);
    if (o.cache === 'disk') await this.attachDisk(this.sets.test);
  }

  private async read(csvPath: string, requireLabels: boolean): Promise<CsvIndex> {
    const o = this.options;
    const result = await readCsvIndex(csvPath, {
      pathColumn: o.pathColumn,
      labelColumn: o.labelColumn,
      imageRoot: o.imageRoot ? fromCwd(o.imageRoot) : undefined,
      allowOutsideRoot: o.allowOutsideRoot,
    });
    if (result.totalRows === 0) {
      throw new DataError(`${result.csvName} has no data rows (only a header): ${csvPath}`);
    }
    if (requireLabels && !result.hasLabels) {
      throw new DataError(`${csvPath} has no label column '${o.labelColumn}' (columns: ${result.header?.join(', ')})`);
    }
    return result;
  }

  /** Labels → ids (fatal on unknown classes), then the verify pre-pass; bad rows are dropped. */
  private async build(csv: CsvIndex): Promise<SampleSet> {
    let ids: Int32Array | undefined;
    if (csv.labelCodes) {
      try {
        ids = labelIdsFromCodes(csv.labelNames, csv.labelCodes, csv.rows, this.classes, csv.csvName);
      } catch (err) {
        this.logger.critical((err as Error).message);
        throw err;
      }
    }
    const o = this.options;
    if (o.cache === 'memory') this.budget ??= new ByteBudget(o.cacheBytes ?? defaultCacheBytes());
    const { set, dropped } = await prepareSet(csv, ids, {
      processor: this.processor,
      verify: o.verify,
      maxBadFraction: o.maxBadFraction,
      concurrency: this.concurrency,
      memory: this.budget && new MemoryCache(this.budget),
      logger: this.logger,
      verifyCacheDir: o.cacheDir ? fromCwd(o.cacheDir) : defaultDiskCacheDir(),
    });
    this.droppedRows[csv.csvPath] = dropped;
    return set;
  }

  private async attachDisk(set: SampleSet): Promise<void> {
    const dir = this.options.cacheDir ? fromCwd(this.options.cacheDir) : undefined;
    const disk = await attachDiskCache(set, this.processor, dir, this.logger);
    this.logger.info(`${set.index.csvName}: disk cache ${disk.path} (${disk.filled} of ${disk.count} images already cached)`);
  }

  private requireSet(which: 'train' | 'val' | 'test', stage: Stage): SampleSet | undefined {
    if (!this.ready.has(stage) && !(which === 'test' && this.ready.has('predict'))) {
      throw new KilnError(`data module: call setup('${stage}') before ${which}Loader()`);
    }
    return this.sets[which];
  }

  trainLoader(shard?: Shard): DataLoader {
    const set = this.requireSet('train', 'fit')!;
    const key = shard ? `${shard.rank}/${shard.worldSize}` : '';
    if (this.train?.key === key) return this.train.loader;
    const { transform, batchTransforms } = splitAugmentation(this.options.augmentation as Transform | BatchTransform | undefined);
    const loader = new BatchLoader(set, this.processor, {
      ...this.loaderOptions(shard, set, transform),
      shuffle: this.options.shuffle,
      dropLast: this.options.dropLast,
      augment: transform,
      batchTransforms,
      logger: this.logger,
      name: 'train',
    });
    const position = this.pendingState ?? this.train?.loader.position();
    if (position) loader.seek(position);
    this.pendingState = undefined;
    this.train = { loader, key };
    return loader;
  }

  valLoader(shard?: Shard): DataLoader | undefined {
    const set = this.requireSet('val', 'fit');
    return set && this.loader(set, { shuffle: false, dropLast: false, shard });
  }

  testLoader(shard?: Shard): DataLoader | undefined {
    const stage: Stage = this.ready.has('test') ? 'test' : 'predict';
    const set = this.requireSet('test', stage);
    return set && this.loader(set, { shuffle: false, dropLast: false, shard });
  }

  private offload(set: SampleSet, augment: Transform | undefined): boolean {
    const workers = this.options.workers ?? defaultWorkers();
    this.pool = attachDecodePool(set, { workers, processor: this.processor, augment, shared: this.pool, logger: this.logger });
    return set.pool !== undefined;
  }

  private loaderOptions(shard: Shard | undefined, set: SampleSet, augment?: Transform) {
    return {
      offload: this.offload(set, augment),
      batchSize: this.options.batchSize,
      seed: this.seed,
      prefetch: this.options.prefetch,
      decodeConcurrency: this.concurrency,
      numClasses: this.numClasses,
      shard,
    };
  }

  private loader(set: SampleSet, o: { shuffle: boolean; dropLast: boolean; shard?: Shard }): BatchLoader {
    return new BatchLoader(set, this.processor, { ...this.loaderOptions(o.shard, set), shuffle: o.shuffle, dropLast: o.dropLast });
  }

  /** `{ epoch, batchIndex }` of the training loader: the next batch it will produce. */
  stateDict(): Record<string, unknown> {
    return { ...(this.train?.loader.position() ?? this.pendingState ?? { epoch: 0, batchIndex: 0 }) };
  }

  loadStateDict(state: Record<string, unknown>): void {
    const epoch = Number(state.epoch ?? 0);
    const batchIndex = Number(state.batchIndex ?? 0);
    if (!Number.isInteger(epoch) || !Number.isInteger(batchIndex) || epoch < 0 || batchIndex < 0) {
      throw new DataError(`invalid data module state ${JSON.stringify(state)}`);
    }
    if (this.train) this.train.loader.seek({ epoch, batchIndex });
    else this.pendingState = { epoch, batchIndex };
  }
}

export type { CsvDataModuleOptions } from './csv-options';
