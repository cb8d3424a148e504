/** One batch of processed images as plain typed arrays; the trainer turns them into tensors. */
export interface Batch {
  /** NHWC, normalised. */
  images: Float32Array;
  shape: [number, number, number, number];
  /** Class ids (absent when the CSV has no labels). */
  labels?: Int32Array;
  /** n×numClasses soft targets (only when a batch-level transform such as MixUp/CutMix ran). */
  targets?: Float32Array;
  /** Source CSV row numbers (1-based data rows, header excluded). */
  rows: number[];
  paths: string[];
}

export interface DataLoader extends AsyncIterable<Batch> {
  /** Batches per epoch (for this shard). */
  readonly length: number;
  setEpoch(epoch: number): void;
}

/** The slice of every global batch a data-parallel worker takes; data modules that ignore it give every rank all batches. */
export interface Shard {
  rank: number;
  worldSize: number;
}

export type Stage = 'fit' | 'test' | 'predict';

/** What a data module says about its processing, so test/predict process exactly like training. */
export interface ProcessorConfig {
  toConfig(): unknown;
}

export interface DataModule {
  setup(stage: Stage): Promise<void>;
  readonly classes: string[];
  readonly numClasses: number;
  readonly inputShape: [number, number, number];
  /** Optional: stored in checkpoints when present. */
  readonly processor?: ProcessorConfig;
  /** Optional: whether `setup` ran (else a non-empty class list means it did). */
  readonly isSetUp?: boolean;
  trainLoader(shard?: Shard): DataLoader;
  valLoader(shard?: Shard): DataLoader | undefined;
  testLoader(shard?: Shard): DataLoader | undefined;
  stateDict(): Record<string, unknown>;
  loadStateDict(state: Record<string, unknown>): void;
}
