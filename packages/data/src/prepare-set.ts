import { DataError, silentLogger, type Logger } from '@kiln/core';
import type { ImageProcessor } from '@kiln/processors';
import { DiskCache, defaultDiskCacheDir, diskCacheKey } from './cache/disk-cache';
import type { MemoryCache } from './cache/memory-cache';
import { VerifyCache } from './cache/verify-cache';
import type { CsvIndex } from './csv/read-csv-index';
import { RowIndex } from './index/row-index';
import { BadSamples } from './loader/bad-samples';
import { decodePass } from './loader/scan';
import { statPass, statReason, StatStatus } from './loader/stat-pass';
import { SampleSet, type RawDecoder } from './sample-set';
import type { BadRow } from './types';

export type VerifyMode = 'stat' | 'decode' | 'none';

export interface PrepareOptions {
  processor: ImageProcessor;
  decoder?: RawDecoder;
  verify: VerifyMode;
  maxBadFraction: number;
  /** Decodes in flight during `verify: decode`. */
  concurrency: number;
  memory?: MemoryCache;
  logger?: Logger;
  /** `true` for test/predict: bad rows are reported, never fatal. */
  lenient?: boolean;
  /** Rows the caller already rejected (e.g. unknown labels in test/predict), by position in `csv`. */
  rejected?: Map<number, string>;
  /** Folder of the `verify: decode` results kept across runs (`<dir>/verify/`); absent = decode every image each run. */
  verifyCacheDir?: string;
}

/** WARNs listed one by one per CSV; the rest are summarised (a broken 1M-row CSV must not print 1M lines). */
const WARN_EACH = 200;

/**
 * Turns a read CSV into a `SampleSet`: label ids, the cheap per-row pre-pass (`verify`),
 * one WARN per dropped row naming the CSV row and reason, one INFO with the counts, and
 * the `maxBadFraction` check. Returns the set and every dropped row (CSV order).
 */
export async function prepareSet(
  csv: CsvIndex,
  labels: Int32Array | undefined,
  o: PrepareOptions,
): Promise<{ set: SampleSet; dropped: BadRow[] }> {
  const logger = o.logger ?? silentLogger;
  const full = new RowIndex(csv.csvName, csv.root, csv.rows, csv.cells, labels);
  const failed = new Map<number, string>(o.rejected);
  if (o.verify !== 'none') {
    const status = await statPass(full);
    for (let i = 0; i < status.length; i++) {
      if (status[i] !== StatStatus.Ok && !failed.has(i)) failed.set(i, statReason(status[i], full.path(i)));
    }
  }
  if (o.verify === 'decode') await verifyByDecoding(csv, full, failed, o, logger);
  const dropped: BadRow[] = [
    ...csv.badRows,
    ...[...failed].map(([i, reason]) => ({ row: full.rows[i], path: full.path(i), reason: `${csv.csvName} row ${full.rows[i]}: ${reason}` })),
  ].sort((a, b) => a.row - b.row);
  const badCount = csv.badCount + failed.size;
  const verb = o.lenient ? 'skipped' : 'dropped';
  dropped.slice(0, WARN_EACH).forEach((b) => logger.warn(`${verb} ${b.reason}`));
  if (badCount > WARN_EACH) logger.warn(`${csv.csvName}: ${badCount - WARN_EACH} more bad rows not listed`);
  const kept = keptIndices(full.size, failed);
  logger.info(`${csv.csvName}: kept ${kept.length} rows, dropped ${badCount}`);
  const fraction = csv.totalRows === 0 ? 0 : badCount / csv.totalRows;
  if (!o.lenient && fraction > o.maxBadFraction) {
    throw new DataError(
      `${csv.csvName}: ${badCount} of ${csv.totalRows} rows are bad (${(fraction * 100).toFixed(1)}% > maxBadFraction ` +
        `${o.maxBadFraction * 100}%); first: ${dropped[0].reason}`,
    );
  }
  const bad = new BadSamples(csv.csvName, csv.totalRows, badCount, o.lenient ? 1 : o.maxBadFraction, logger);
  const index = failed.size ? full.subset(kept) : full;
  return { set: new SampleSet(index, o.processor, bad, o.memory, o.decoder), dropped };
}

/** Opens (or creates) the shared disk cache of a set: key = processor config + every file's size and mtime. */
export async function attachDiskCache(
  set: SampleSet,
  processor: ImageProcessor,
  dir = defaultDiskCacheDir(),
  logger: Logger = silentLogger,
): Promise<DiskCache> {
  const index = set.index;
  if (index.size > 0 && Number.isNaN(index.sizes[0])) await statPass(index); // verify: none still needs the key
  const disk = DiskCache.open(dir, diskCacheKey(index, processor.toConfig()), index.size, processor.outputSize);
  disk.logger = logger;
  set.disk = disk;
  return disk;
}

/**
 * Decodes every entry not yet failed; entries whose file has the size and mtime of the last
 * run's check reuse its outcome from the verify cache (no decode), the rest are decoded and the
 * cache rewritten. A cache that cannot be written costs one WARN, never the run.
 */
async function verifyByDecoding(csv: CsvIndex, full: RowIndex, failed: Map<number, string>, o: PrepareOptions, logger: Logger): Promise<void> {
  const okIdx = keptIndices(full.size, failed);
  const part = full.subset(okIdx);
  const cache = o.verifyCacheDir ? VerifyCache.load(VerifyCache.fileFor(o.verifyCacheDir, csv.csvPath, o.processor.toConfig())) : undefined;
  const todo: number[] = [];
  const paths = Array.from({ length: part.size }, (_, k) => part.path(k));
  for (let k = 0; k < part.size; k++) {
    const hit = cache?.get(paths[k], part.sizes[k], part.mtimes[k]);
    if (!hit) todo.push(k);
    else if (hit.reason) failed.set(okIdx[k], hit.reason);
  }
  const pending = todo.length === part.size ? part : part.subset(todo);
  const decodeFailed = await decodePass(pending, o.decoder ?? o.processor, o.concurrency, (j, data) => o.memory?.put(pending.rows[j], data));
  for (let j = 0; j < todo.length; j++) {
    const k = todo[j];
    const reason = decodeFailed.get(j) ?? '';
    if (reason) failed.set(okIdx[k], reason);
    cache?.set(paths[k], { size: part.sizes[k], mtime: part.mtimes[k], reason });
  }
  if (!cache) return;
  if (todo.length < part.size) logger.info(`${csv.csvName}: verify: decode reused for ${part.size - todo.length} unchanged images (${cache.path})`);
  if (todo.length === 0) return;
  try {
    const listed = new Set(paths);
    cache.save((file) => listed.has(file)); // only what this CSV lists: removed rows do not pile up
  } catch (err) {
    logger.warn(`verify cache ${cache.path}: cannot write (${(err as Error).message}); the next run decodes every image again`);
  }
}

function keptIndices(n: number, failed: Map<number, string>): Int32Array {
  const out = new Int32Array(n - failed.size);
  for (let i = 0, k = 0; i < n; i++) if (!failed.has(i)) out[k++] = i;
  return out;
}
