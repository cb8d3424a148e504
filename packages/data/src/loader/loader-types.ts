import type { Logger } from '@kiln/core';
import type { BatchTransform, Transform } from '@kiln/augmentation';
import type { RawImage } from '@kiln/processors';
import type { Shard } from '../types';
import type { RngStream } from '../workers/decode-pool';
import type { BadSamples } from './bad-samples';

/** The samples a loader walks over; `load` reads from the cache or decodes. */
export interface LoaderSource {
  readonly size: number;
  /** 1-based CSV data row of sample i. */
  row(i: number): number;
  /** Absolute image path of sample i. */
  path(i: number): string;
  readonly labels?: Int32Array;
  load(index: number): Promise<RawImage>;
  /** Decode + augment (with `rng`) + normalise off the main thread; used when `offload` is set. */
  loadProcessed?(index: number, rng?: RngStream): Promise<Float32Array>;
  /** Resolves false when `loadProcessed` cannot be used after all (its workers failed to start). */
  offloadReady?(): Promise<boolean>;
  /** `offloadReady` without waiting: undefined while the workers are still starting. */
  offloadNow?(): boolean | undefined;
  /** Where undecodable images are counted; without it a decode failure is fatal. */
  readonly bad?: BadSamples;
}

export interface BatchLoaderOptions {
  batchSize: number;
  shuffle: boolean;
  dropLast: boolean;
  seed: number;
  /** Batches prepared ahead while the consumer works on the current one. */
  prefetch: number;
  /** Images decoded at once. */
  decodeConcurrency: number;
  augment?: Transform;
  batchTransforms?: BatchTransform[];
  numClasses: number;
  shard?: Shard;
  /**
   * Let the source's worker pool decode, augment and normalise (`loadProcessed`). Set only when
   * the pool rebuilt `augment` exactly (or there is none), so results equal the main thread's.
   */
  offload?: boolean;
  /** Epoch summaries (images dropped, time waited for data) go here at INFO. */
  logger?: Logger;
  /** Name in the epoch summary (e.g. `train`). */
  name?: string;
}

/** What the consumer may log per step or per epoch. */
export interface LoaderStats {
  epoch: number;
  /** Batches handed out this epoch. */
  steps: number;
  /** Milliseconds the consumer waited for the last batch / for all batches this epoch. */
  lastWaitMs: number;
  waitMs: number;
  /** Milliseconds the consumer spent between batches this epoch (its step time). */
  busyMs: number;
  /** Images found undecodable this epoch (each slot refilled by the next sample) and in total. */
  dropped: number;
  droppedTotal: number;
}

export interface LoaderPosition {
  epoch: number;
  batchIndex: number;
}
