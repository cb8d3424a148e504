import { basename } from 'node:path';
import { ConfigError, DataError, KilnError, resolveUserPath, silentLogger, z, type ComponentContext, type Logger } from '@kiln/core';
import { ImageProcessor } from '@kiln/processors';
import { loadClasses, saveClasses } from './classes-file';
import { readCsvSamples, type CsvSamples } from './csv/read-csv';
import { inferClasses, labelIds } from './labels';
import { BatchLoader, type LoaderPosition } from './loader/batch-loader';
import { splitAugmentation } from './loader/batch-transforms';
import { scanSamples } from './loader/scan';
import { defaultDecodeConcurrency, loaderOptionsShape } from './loader-options';
import { SampleSet } from './sample-set';
import { stratifiedSplit } from './split';
import type { BadRow, DataLoader, DataModule, Shard, Stage } from './types';

const columnSchema = z.union([z.string().min(1), z.number().int().nonnegative()]);

const optionsSchema = z
  .object({
    trainCsv: z.string().nullable().default(null).describe('training CSV (required for fit)'),
    valCsv: z.string().nullable().default(null).describe('validation CSV'),
    valSplit: z.number().min(0).lt(1).nullable().default(null).describe('or: stratified fraction of trainCsv'),
    testCsv: z.string().nullable().default(null).describe('test CSV (labels optional)'),
    classes: z.array(z.string()).nullable().default(null).describe('class names; default: inferred from trainCsv'),
    pathColumn: columnSchema.default('path'),
    labelColumn: columnSchema.default('label'),
    imageRoot: z.string().nullable().default(null).describe("folder image paths are relative to (default: the CSV's)"),
    allowOutsideRoot: z.boolean().default(false).describe('allow absolute paths and ../ outside the root'),
    ...loaderOptionsShape,
  })
  .strict();

export type CsvDataModuleOptions = z.input<typeof optionsSchema>;
type Parsed = z.output<typeof optionsSchema>;

/** Relative option paths resolve by Kiln's one path rule (core's `resolveUserPath`). */
const fromCwd = resolveUserPath;

/**
 * Image classification data from CSV files (`path,label,…`). `setup('fit')` reads and
 * validates the CSVs, fixes the class list, decodes every image once (dropping bad files
 * with a WARN and aborting above `maxBadFraction`) and writes `classes.json`.
 */
export class CsvDataModule implements DataModule {
  static readonly type = 'csv';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Images listed in CSV files (path, label, extra columns kept as metadata)';

  readonly options: Parsed;
  readonly processor: ImageProcessor;
  private readonly logger: Logger;
  private readonly runDir?: string;
  private readonly seed: number;
  private classList?: string[];
  private sets: { train?: SampleSet; val?: SampleSet; test?: SampleSet } = {};
  private train?: { loader: BatchLoader; key: string };
  private pendingState?: LoaderPosition;
  private readonly ready = new Set<Stage>();
  /** Rows dropped per CSV during the last setup (for reports). */
  readonly droppedRows: Record<string, BadRow[]> = {};

  constructor(options: CsvDataModuleOptions, context: ComponentContext = {}) {
    this.options = optionsSchema.parse(options);
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
    const train = this.read(trainPath, true);
    this.classList = o.classes ?? (this.runDir ? loadClasses(this.runDir) : undefined) ?? inferClasses(train.samples.map((s) => s.label!));
    const keep = o.cache === 'memory';
    const trainSet = await this.build(trainPath, train, keep);
    if (o.valCsv) {
      const valPath = fromCwd(o.valCsv);
      this.sets.val = await this.build(valPath, this.read(valPath, true), keep);
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
    if (this.runDir) saveClasses(this.runDir, this.classList);
  }

  private async setupTest(stage: Stage): Promise<void> {
    const o = this.options;
    if (!o.testCsv) throw new ConfigError(`data.testCsv is required for ${stage}`, { path: 'data.testCsv' });
    const testPath = fromCwd(o.testCsv);
    const test = this.read(testPath, false);
    if (!this.classList) {
      this.classList =
        o.classes ??
        (this.runDir ? loadClasses(this.runDir) : undefined) ??
        (o.trainCsv ? inferClasses(this.read(fromCwd(o.trainCsv), true).samples.map((s) => s.label!)) : undefined);
      if (!this.classList) {
        if (!test.hasLabels) throw new ConfigError(`data.classes is required for ${stage} without a run's classes.json`);
        this.logger.warn(`no classes given and no classes.json: inferring the class list from ${basename(testPath)}`);
        this.classList = inferClasses(test.samples.map((s) => s.label!));
      }
    }
    this.sets.test = await this.build(testPath, test, this.options.cache === 'memory');
  }

  private read(csvPath: string, requireLabels: boolean): CsvSamples {
    const o = this.options;
    const result = readCsvSamples(csvPath, {
      pathColumn: o.pathColumn,
      labelColumn: o.labelColumn,
      imageRoot: o.imageRoot ? fromCwd(o.imageRoot) : undefined,
      allowOutsideRoot: o.allowOutsideRoot,
    });
    if (requireLabels && !result.hasLabels) {
      throw new DataError(`${csvPath} has no label column '${o.labelColumn}' (columns: ${result.header?.join(', ')})`);
    }
    return result;
  }

  /** Labels → ids (fatal on unknown classes), then decode every file; bad files are dropped. */
  private async build(csvPath: string, csv: CsvSamples, keep: boolean): Promise<SampleSet> {
    const name = basename(csvPath);
    let ids: Int32Array | undefined;
    if (csv.hasLabels) {
      try {
        ids = labelIds(csv.samples, this.classes, name);
      } catch (err) {
        this.logger.critical((err as Error).message);
        throw err;
      }
    }
    if (keep) this.warnIfCacheIsLarge(name, csv.samples.length);
    const scan = await scanSamples(csv.samples, this.processor, { concurrency: this.concurrency, keep, csvName: name });
    const bad = [...csv.badRows, ...scan.badRows].sort((a, b) => a.row - b.row);
    for (const b of bad) this.logger.warn(`dropped ${b.reason}`);
    this.droppedRows[csvPath] = bad;
    const kept = scan.samples.length;
    this.logger.info(`${name}: kept ${kept} rows, dropped ${bad.length}`);
    const fraction = csv.totalRows === 0 ? 0 : bad.length / csv.totalRows;
    if (fraction > this.options.maxBadFraction) {
      throw new DataError(
        `${name}: ${bad.length} of ${csv.totalRows} rows are bad (${(fraction * 100).toFixed(1)}% > maxBadFraction ` +
          `${this.options.maxBadFraction * 100}%); first: ${bad[0].reason}`,
      );
    }
    const labels = ids ? Int32Array.from(scan.kept, (i) => ids![i]) : undefined;
    return new SampleSet(scan.samples, labels, this.processor, scan.raws);
  }

  private warnIfCacheIsLarge(name: string, count: number): void {
    const bytes = count * this.processor.outputSize;
    if (bytes > 4 * 1024 ** 3) {
      this.logger.warn(
        `${name}: cache: memory will hold ~${(bytes / 1024 ** 3).toFixed(1)} GiB of decoded images; consider cache: none`,
      );
    }
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
    const { perImage, batch } = splitAugmentation(this.options.augmentation);
    const loader = new BatchLoader(set, this.processor, {
      ...this.loaderOptions(shard),
      shuffle: this.options.shuffle,
      dropLast: this.options.dropLast,
      augment: perImage,
      batchTransforms: batch,
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

  private loaderOptions(shard?: Shard) {
    return {
      batchSize: this.options.batchSize,
      seed: this.seed,
      prefetch: this.options.prefetch,
      decodeConcurrency: this.concurrency,
      numClasses: this.numClasses,
      shard,
    };
  }

  private loader(set: SampleSet, o: { shuffle: boolean; dropLast: boolean; shard?: Shard }): BatchLoader {
    return new BatchLoader(set, this.processor, { ...this.loaderOptions(o.shard), shuffle: o.shuffle, dropLast: o.dropLast });
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

function stripTarget(node: unknown): Record<string, unknown> {
  const { _target_: _ignored, ...rest } = (node ?? {}) as Record<string, unknown>;
  return rest;
}
