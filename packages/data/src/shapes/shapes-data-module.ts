import { join } from 'node:path';
import { silentLogger, z, componentRef, type ComponentContext } from '@kiln/core';
import { ImageProcessor } from '@kiln/processors';
import { CsvDataModule } from '../csv-data-module';
import { loaderOptionsShape } from '../loader-options';
import type { DataLoader, DataModule, Shard, Stage } from '../types';
import { SHAPE_CLASSES } from './rasterize';
import { defaultShapesRoot, ensureShapesDataset, type ShapesManifest, type ShapesSpec } from './generate-shapes';

const { seed: _shuffleSeed, ...sharedShape } = loaderOptionsShape;

const optionsSchema = z
  .object({
    root: z.string().nullable().default(null).describe('cache folder (default: $KILN_CACHE_DIR/datasets/shapes-v2-…)'),
    trainPerClass: z.number().int().positive().default(500),
    valPerClass: z.number().int().min(0).default(100),
    testPerClass: z.number().int().min(0).default(100),
    seed: z.number().int().default(0).describe("the dataset's own seed (independent of the run seed)"),
    ...sharedShape,
    cache: z.enum(['none', 'memory', 'disk']).default('memory'),
    verify: z.enum(['stat', 'decode', 'none']).default('decode').describe('decode: fills the memory cache up front (13 MB)'),
    processor: componentRef('processors').optional().describe('default: {_target_: image, size: [32, 32]}'),
  })
  .strict();

export type ShapesDataModuleOptions = z.input<typeof optionsSchema>;

/**
 * The built-in dataset: 32×32 RGB images of six shape classes on noisy backgrounds,
 * generated deterministically on first use (seconds, no download), then read like `csv`.
 * Shuffling/augmentation use the run seed; `seed` only chooses the images.
 */
export class ShapesDataModule implements DataModule {
  static readonly type = 'shapes';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Built-in generated shapes dataset (6 classes, 32×32 RGB)';

  readonly root: string;
  readonly datasetSpec: ShapesSpec;
  manifest?: ShapesManifest;
  private readonly inner: CsvDataModule;
  private readonly context: ComponentContext;

  constructor(options: ShapesDataModuleOptions = {}, context: ComponentContext = {}) {
    const o = optionsSchema.parse(options);
    this.context = context;
    const { root, trainPerClass, valPerClass, testPerClass, seed: _datasetSeed, ...loader } = o;
    this.datasetSpec = { seed: o.seed, trainPerClass, valPerClass, testPerClass };
    this.root = root ?? defaultShapesRoot(this.datasetSpec);
    this.inner = new CsvDataModule(
      {
        ...loader,
        processor: loader.processor ?? new ImageProcessor({ size: [32, 32] }),
        trainCsv: join(this.root, 'train.csv'),
        valCsv: valPerClass > 0 ? join(this.root, 'val.csv') : null,
        testCsv: testPerClass > 0 ? join(this.root, 'test.csv') : null,
        classes: [...SHAPE_CLASSES],
      },
      context,
    );
  }

  async setup(stage: Stage): Promise<void> {
    this.manifest = await ensureShapesDataset(this.root, this.datasetSpec, this.context.logger ?? silentLogger);
    await this.inner.setup(stage);
  }

  get classes(): string[] {
    return this.inner.classes;
  }
  get numClasses(): number {
    return this.inner.numClasses;
  }
  get inputShape(): [number, number, number] {
    return this.inner.inputShape;
  }
  get processor(): ImageProcessor {
    return this.inner.processor;
  }
  trainLoader(shard?: Shard): DataLoader {
    return this.inner.trainLoader(shard);
  }
  valLoader(shard?: Shard): DataLoader | undefined {
    return this.inner.valLoader(shard);
  }
  testLoader(shard?: Shard): DataLoader | undefined {
    return this.inner.testLoader(shard);
  }
  stateDict(): Record<string, unknown> {
    return this.inner.stateDict();
  }
  loadStateDict(state: Record<string, unknown>): void {
    this.inner.loadStateDict(state);
  }
}
