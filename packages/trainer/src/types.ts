import type * as tf from '@tensorflow/tfjs';

/**
 * Structural copies of the CONTRACTS.md shapes the loop consumes. Declared here (not
 * imported) so the trainer works with any object of the right shape — other packages'
 * classes, or a hand-written data module in another project.
 */
export interface Batch {
  images: Float32Array;
  shape: [number, number, number, number];
  labels?: Int32Array;
  targets?: Float32Array;
  rows: number[];
  paths: string[];
}

export interface DataLoader extends AsyncIterable<Batch> {
  readonly length: number;
  setEpoch(epoch: number): void;
}

/** A shard request for data-parallel runs; data modules that ignore it give every rank all batches. */
export interface ShardOptions {
  rank: number;
  worldSize: number;
}

export interface DataModule {
  setup(stage: 'fit' | 'test' | 'predict'): Promise<void>;
  readonly classes: string[];
  readonly numClasses: number;
  readonly inputShape: [number, number, number];
  trainLoader(shard?: ShardOptions): DataLoader;
  valLoader(shard?: ShardOptions): DataLoader | undefined;
  testLoader(shard?: ShardOptions): DataLoader | undefined;
  stateDict(): Record<string, unknown>;
  loadStateDict(state: Record<string, unknown>): void;
}

/** `{ net }` is all the loop needs; `summary()` is logged when present. */
export interface TrainableModel {
  net: tf.LayersModel;
  summary?(): string;
}

export interface LossFn {
  compute(logits: tf.Tensor2D, targets: tf.Tensor1D | tf.Tensor2D): tf.Scalar;
}

/** Streaming metric (kind `metrics`); `state()`/`merge()` give exact cross-worker aggregation. */
export interface StreamingMetric {
  readonly name: string;
  update(scores: tf.Tensor2D | Float32Array, targets: tf.Tensor1D | Int32Array, numClasses?: number): void;
  compute(): number | Record<string, number>;
  reset(): void;
  state(): number[];
  merge(state: number[]): void;
}

/** The engine's data-parallel communicator, structurally (see `@kiln/engine`). */
export interface Communicator {
  readonly rank: number;
  readonly worldSize: number;
  allReduceMean(arrays: Float32Array[]): Promise<Float32Array[]>;
  broadcast(arrays: Float32Array[]): Promise<Float32Array[]>;
  barrier(): Promise<void>;
  /** Optional: every rank's arrays, rank order. Used for metric states when present. */
  allGather?(arrays: Float32Array[]): Promise<Float32Array[][]>;
}
