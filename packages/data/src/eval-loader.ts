import { basename } from 'node:path';
import { silentLogger, type Logger } from '@kiln/core';
import type { ImageProcessor } from '@kiln/processors';
import { readCsvSamples } from './csv/read-csv';
import { labelIds } from './labels';
import { BatchLoader } from './loader/batch-loader';
import { scanSamples } from './loader/scan';
import { defaultDecodeConcurrency } from './loader-options';
import { SampleSet } from './sample-set';
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
  const logger = options.logger ?? silentLogger;
  const name = basename(csvPath);
  const csv = readCsvSamples(csvPath, options);
  const badRows: BadRow[] = [...csv.badRows];
  let samples = csv.samples;
  let ids: Int32Array | undefined;
  if (csv.hasLabels) {
    // Rows whose label the model does not know cannot be scored: report and skip them.
    const usable: typeof samples = [];
    const kept: number[] = [];
    for (const s of samples) {
      try {
        kept.push(labelIds([s], options.classes, name)[0]);
        usable.push(s);
      } catch (err) {
        badRows.push({ row: s.row, path: s.path, reason: (err as Error).message.replace(/\. Classes .*$/, '') });
      }
    }
    samples = usable;
    ids = Int32Array.from(kept);
  }
  const scan = await scanSamples(samples, options.processor, {
    concurrency: options.decodeConcurrency ?? defaultDecodeConcurrency(),
    keep: options.cache === 'memory',
    csvName: name,
  });
  badRows.push(...scan.badRows);
  badRows.sort((a, b) => a.row - b.row);
  for (const b of badRows) logger.warn(`skipped ${b.reason}`);
  logger.info(`${name}: kept ${scan.samples.length} rows, dropped ${badRows.length}`);
  const labels = ids ? Int32Array.from(scan.kept, (i) => ids![i]) : undefined;
  const set = new SampleSet(scan.samples, labels, options.processor, scan.raws);
  const loader = new BatchLoader(set, options.processor, {
    batchSize: options.batchSize ?? 64,
    shuffle: false,
    dropLast: false,
    seed: 0,
    prefetch: 2,
    decodeConcurrency: options.decodeConcurrency ?? defaultDecodeConcurrency(),
    numClasses: options.classes.length,
  });
  return { loader, badRows, hasLabels: csv.hasLabels, totalRows: csv.totalRows, header: csv.header, records: csv.records };
}
