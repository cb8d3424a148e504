import type { Logger } from '@kiln/core';
import type { ImageProcessor } from '@kiln/processors';
import { ByteBudget, MemoryCache, defaultCacheBytes } from './cache/memory-cache';
import { readCsvIndex } from './csv/read-csv-index';
import { labelIdOf } from './labels';
import { BatchLoader } from './loader/batch-loader';
import { defaultDecodeConcurrency } from './loader-options';
import { prepareSet, type VerifyMode } from './prepare-set';
import type { BadRow, DataLoader } from './types';

export interface EvalLoaderOptions {
  processor: ImageProcessor;
  /** The trained model's classes (from `loadClasses(runDir)`). */
  classes: string[];
  batchSize?: number;
  pathColumn?: string | number;
  labelColumn?: string | number | null;
  imageRoot?: string;
  allowOutsideRoot?: boolean;
  decodeConcurrency?: number;
  /** `memory` decodes once (the check pass) and keeps the pixels. Default `none`. */
  cache?: 'none' | 'memory';
  /** Pre-pass: `decode` (default here: every bad file is reported up front), `stat` or `none`. */
  verify?: VerifyMode;
  logger?: Logger;
}

export interface EvalLoader {
  loader: DataLoader;
  /** Rows left out (bad file, bad path, unknown label), each with its reason. Never fatal here. */
  badRows: BadRow[];
  hasLabels: boolean;
  /** Rows in the CSV (kept + bad). */
  totalRows: number;
  /** The CSV's header (undefined when columns are given by index) and its data rows as written. */
  header?: string[];
  records: string[][];
}

/**
 * A non-shuffled, non-augmented loader over any CSV with a given processor and class list,
 * for `kiln test` / `kiln predict`. Unlike `setup('fit')` it never aborts on bad rows: it
 * reports them (WARN + `badRows`) and evaluates the rest. Labels are optional.
 */
export async function evalLoaderForCsv(csvPath: string, options: EvalLoaderOptions): Promise<EvalLoader> {
  const csv = await readCsvIndex(csvPath, options, { keepRecords: true });
  const rejected = new Map<number, string>();
  let ids: Int32Array | undefined;
  if (csv.labelCodes) {
    // Rows whose label the model does not know cannot be scored: report and skip them.
    const idOf = csv.labelNames.map((name) => labelIdOf(name, options.classes));
    ids = new Int32Array(csv.labelCodes.length);
    csv.labelCodes.forEach((code, i) => {
      const id = idOf[code];
      if (typeof id === 'number') ids![i] = id;
      else rejected.set(i, id);
    });
  }
  const memory = options.cache === 'memory' ? new MemoryCache(new ByteBudget(defaultCacheBytes())) : undefined;
  const { set, dropped } = await prepareSet(csv, ids, {
    processor: options.processor,
    verify: options.verify ?? 'decode',
    maxBadFraction: 1,
    concurrency: options.decodeConcurrency ?? defaultDecodeConcurrency(),
    memory,
    logger: options.logger,
    lenient: true,
    rejected,
  });
  const loader = new BatchLoader(set, options.processor, {
    batchSize: options.batchSize ?? 64,
    shuffle: false,
    dropLast: false,
    seed: 0,
    prefetch: 2,
    decodeConcurrency: options.decodeConcurrency ?? defaultDecodeConcurrency(),
    numClasses: options.classes.length,
  });
  return { loader, badRows: dropped, hasLabels: csv.hasLabels, totalRows: csv.totalRows, header: csv.header, records: csv.records! };
}
