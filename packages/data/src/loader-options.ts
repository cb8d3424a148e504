import { availableParallelism } from 'node:os';
import { componentRef, z } from '@kiln/core';

/** Options every data module shares: batching, shuffling, caching, decoding, processing. */
export const loaderOptionsShape = {
  batchSize: z.number().int().positive().default(64),
  shuffle: z.boolean().default(true).describe('shuffle the training set each epoch (seeded)'),
  dropLast: z.boolean().default(false).describe('drop the last incomplete training batch'),
  cache: z
    .enum(['none', 'memory', 'disk'])
    .default('none')
    .describe('memory: keep decoded images in RAM up to cacheBytes; disk: a shared cache file under $KILN_CACHE_DIR/data'),
  cacheBytes: z
    .number()
    .int()
    .positive()
    .nullish()
    .describe('byte budget of cache: memory (default: a quarter of RAM); what does not fit is decoded each time'),
  cacheDir: z.string().nullish().describe('folder of cache: disk files (default: $KILN_CACHE_DIR/data)'),
  verify: z
    .enum(['stat', 'decode', 'none'])
    .default('stat')
    .describe('pre-pass per row: stat (exists, non-empty), decode (full check, slow), none'),
  prefetch: z.number().int().min(0).default(2).describe('batches decoded ahead while the model trains'),
  decodeConcurrency: z
    .number()
    .int()
    .positive()
    .nullish()
    .describe('images decoded at once (default: 2 × available cores)'),
  workers: z
    .number()
    .int()
    .min(0)
    .nullish()
    .describe('decode worker threads (default: half the cores; 0 = decode from the main thread)'),
  maxBadFraction: z.number().min(0).max(1).default(0.05).describe('abort when more rows than this are bad'),
  processor: componentRef('processors').describe('the image processor ({_target_: image, …})'),
  augmentation: componentRef('transforms').optional().describe('train-time augmentation (train loader only)'),
  seed: z.number().int().optional().describe('shuffle/split/augment seed (default: the run seed)'),
};

export function defaultDecodeConcurrency(): number {
  return availableParallelism() * 2;
}

export function defaultWorkers(): number {
  return Math.max(1, Math.floor(availableParallelism() / 2));
}
