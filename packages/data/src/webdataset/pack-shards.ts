import { mkdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { silentLogger, type Logger } from '@kiln/core';
import { saveClasses } from '../classes-file';
import { readCsvIndex } from '../csv/read-csv-index';
import { inferClasses, labelIdsFromCodes } from '../labels';
import type { ReadCsvOptions } from '../csv/read-csv';
import { TarWriter } from './tar-writer';

export interface PackShardsOptions extends ReadCsvOptions {
  /** Input CSV (`path,label`). */
  csv: string;
  /** Output folder: `<prefix>-000000.tar`, … and `classes.json`. */
  out: string;
  /** Samples per shard (default 10 000). */
  shardSize?: number;
  prefix?: string;
  classes?: string[];
  logger?: Logger;
}

export interface PackShardsResult {
  shards: string[];
  samples: number;
  skipped: number;
  classes: string[];
  /** The brace pattern for `data.trainShards`. */
  pattern: string;
}

/**
 * Writes WebDataset shards from an image CSV (`kiln dataset pack`): each row becomes
 * `<key>.<ext>` (the file's bytes, not re-encoded) + `<key>.cls` (the class id), keys
 * numbered in CSV order. Shards are written atomically; `classes.json` goes beside them.
 * Missing or empty files are skipped with a WARN.
 */
export async function packShards(o: PackShardsOptions): Promise<PackShardsResult> {
  const logger = o.logger ?? silentLogger;
  const shardSize = o.shardSize ?? 10_000;
  if (!(Number.isInteger(shardSize) && shardSize > 0)) throw new RangeError(`shardSize must be a positive integer (got ${shardSize})`);
  const prefix = o.prefix ?? 'shard';
  const csv = await readCsvIndex(o.csv, o);
  for (const b of csv.badRows) logger.warn(`skipped ${b.reason}`);
  const classes = o.classes ?? inferClasses(csv.labelNames);
  const ids = csv.labelCodes ? labelIdsFromCodes(csv.labelNames, csv.labelCodes, csv.rows, classes, csv.csvName) : undefined;
  mkdirSync(o.out, { recursive: true });
  const shards: string[] = [];
  let writer: TarWriter | undefined;
  let inShard = 0;
  let samples = 0;
  let skipped = csv.badCount;
  try {
    for (let i = 0; i < csv.rows.length; i++) {
      const path = join(csv.root, csv.cells.get(i));
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
        if (bytes.length === 0) throw new Error('empty file (0 bytes)');
      } catch (err) {
        skipped++;
        logger.warn(`skipped ${csv.csvName} row ${csv.rows[i]}: ${(err as Error).message.replace(/^ENOENT.*/, 'file not found')}: ${path}`);
        continue;
      }
      if (!writer || inShard === shardSize) {
        if (writer) await writer.close();
        const name = join(o.out, `${prefix}-${String(shards.length).padStart(6, '0')}.tar`);
        shards.push(name);
        writer = new TarWriter(name);
        inShard = 0;
      }
      const key = String(samples).padStart(9, '0');
      const ext = (extname(path).slice(1) || 'img').toLowerCase();
      await writer.add(`${key}.${ext === 'jpeg' ? 'jpg' : ext}`, bytes);
      if (ids) await writer.add(`${key}.cls`, Buffer.from(String(ids[i])));
      inShard++;
      samples++;
    }
    if (writer) await writer.close();
  } catch (err) {
    await writer?.abort();
    throw err;
  }
  saveClasses(o.out, classes);
  const last = String(Math.max(0, shards.length - 1)).padStart(6, '0');
  const pattern = join(o.out, shards.length > 1 ? `${prefix}-{000000..${last}}.tar` : `${prefix}-000000.tar`);
  logger.info(`packed ${samples} samples into ${shards.length} shard(s) in ${o.out} (skipped ${skipped}); data.trainShards=${pattern}`);
  return { shards, samples, skipped, classes, pattern };
}
