import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Calibration } from './calibrate';
import type { Int8Plan } from './plan';

export const CACHE_VERSION = 1;

/** What a calibration depends on besides the model's code: the options that change ranges or weights. */
export interface CacheKeyOptions {
  batches: number;
  method: string;
  percentile?: number;
  qmax: number;
}

export interface CachedCalibration {
  version: number;
  checkpoint: { size: number; mtimeMs: number };
  options: CacheKeyOptions;
  /** The plan before calibration: a different one (other Kiln version, other model code) is a miss. */
  plan: Int8Plan;
  calibration: Calibration;
}

/** `<run>/quant/<ckpt-name>.int8.json`. */
export function calibrationCachePath(runDir: string, checkpoint: string): string {
  return join(runDir, 'quant', `${basename(checkpoint).replace(/\.ckpt$/, '')}.int8.json`);
}

function checkpointStamp(checkpoint: string): { size: number; mtimeMs: number } {
  const s = statSync(checkpoint);
  return { size: s.size, mtimeMs: s.mtimeMs };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The cached calibration when it was made from this checkpoint file (size + mtime), these options and this plan. */
export function readCalibrationCache(path: string, checkpoint: string, options: CacheKeyOptions, plan: Int8Plan): Calibration | undefined {
  if (!existsSync(path)) return undefined;
  let c: CachedCalibration;
  try {
    c = JSON.parse(readFileSync(path, 'utf8')) as CachedCalibration;
  } catch {
    return undefined; // unreadable: recalibrate and overwrite
  }
  if (c.version !== CACHE_VERSION || !same(c.checkpoint, checkpointStamp(checkpoint)) || !same(c.options, options) || !same(c.plan, plan)) return undefined;
  return c.calibration;
}

/**
 * Writes the cache atomically (temp file + rename). The temp name comes from crypto: after
 * seedEverything, Math.random is the run's seeded stream and must not be drawn from.
 */
export function writeCalibrationCache(path: string, checkpoint: string, options: CacheKeyOptions, plan: Int8Plan, calibration: Calibration): void {
  const body: CachedCalibration = { version: CACHE_VERSION, checkpoint: checkpointStamp(checkpoint), options, plan, calibration };
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, JSON.stringify(body, null, 1));
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
