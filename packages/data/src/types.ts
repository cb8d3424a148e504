import type { ImageProcessor } from '@kiln/processors';

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

/** The contiguous slice of every global batch a data-parallel worker takes. */
export interface Shard {
  rank: number;
  worldSize: number;
}

export type Stage = 'fit' | 'test' | 'predict';

export interface DataModule {
  setup(stage: Stage): Promise<void>;
  readonly classes: string[];
  readonly numClasses: number;
  readonly inputShape: [number, number, number];
  readonly processor: ImageProcessor;
  trainLoader(shard?: Shard): DataLoader;
  valLoader(shard?: Shard): DataLoader | undefined;
  testLoader(shard?: Shard): DataLoader | undefined;
  stateDict(): Record<string, unknown>;
  loadStateDict(state: Record<string, unknown>): void;
}

/** A usable CSV row. */
export interface Sample {
  /** 1-based data row (header excluded). */
  row: number;
  /** Absolute image path. */
  path: string;
  /** The label cell as written (class name or integer id); absent without a label column. */
  label?: string;
  /** The other columns, by header name (or column index without a header). */
  meta: Record<string, string>;
}

/** A row that was dropped, and why. */
export interface BadRow {
  row: number;
  path: string;
  reason: string;
}
