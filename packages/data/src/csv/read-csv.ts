import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { DataError } from '@kiln/core';
import type { BadRow, Sample } from '../types';
import { CsvColumns, type CsvColumnOptions } from './csv-columns';
import { CsvParser, CsvSyntaxError } from './csv-parser';

export interface ReadCsvOptions extends CsvColumnOptions {
  /** Folder image paths are relative to (default: the CSV's folder). */
  imageRoot?: string;
}

export interface CsvSamples {
  samples: Sample[];
  badRows: BadRow[];
  /** Data rows in the file (kept + dropped). */
  totalRows: number;
  hasLabels: boolean;
  /** Header names, or undefined when columns are given by index. */
  header?: string[];
}

/** The error for a file that cannot be opened, with the importer hint when it is missing. */
export function csvOpenError(csvPath: string, err: unknown): DataError {
  const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
  const hint = missing ? ' (public datasets: `kiln dataset import mnist|fashion-mnist|cifar10 --src=… --out=…` writes the CSVs)' : '';
  return new DataError(`cannot read CSV ${csvPath}: ${missing ? 'file not found' : (err as Error).message}${hint}`, { cause: err });
}

export function csvSyntaxError(csvPath: string, err: unknown): DataError {
  return new DataError(`${csvPath} is not a valid CSV: ${(err as Error).message}`, { cause: err });
}

/**
 * Reads a (small) image CSV whole, keeping every column: UTF-8 BOM, quoted fields and CRLF
 * are handled. A header row is required unless both columns are given as indices. Rows that
 * cannot be used land in `badRows`; structural problems with the file throw `DataError`.
 * Large training CSVs go through `readCsvIndex` (streamed, compact) instead.
 */
export function readCsvSamples(csvPath: string, options: ReadCsvOptions = {}): CsvSamples {
  let text: string;
  try {
    text = readFileSync(csvPath, 'utf8');
  } catch (err) {
    throw csvOpenError(csvPath, err);
  }
  const records: Array<{ fields: string[]; line: number }> = [];
  const parser = new CsvParser((fields, line) => records.push({ fields, line }));
  try {
    parser.push(text);
    parser.end();
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw csvSyntaxError(csvPath, err);
    throw err;
  }
  const root = resolve(options.imageRoot ?? dirname(resolve(csvPath)));
  const wantsHeader = CsvColumns.wantsHeader(options);
  const headerRecord = wantsHeader ? records.shift()?.fields : undefined;
  const cols = CsvColumns.create(csvPath, basename(csvPath), root, options, headerRecord);
  const samples: Sample[] = [];
  const badRows: BadRow[] = [];
  records.forEach(({ fields, line }, i) => {
    const row = i + 1;
    const r = cols.check(fields, row, line);
    if ('reason' in r) return void badRows.push({ row, path: r.cell, reason: r.reason });
    const meta: Record<string, string> = {};
    fields.forEach((v, c) => {
      if (c !== cols.pathIdx && c !== cols.labelIdx) meta[cols.header ? cols.header[c] : String(c)] = v;
    });
    samples.push({ row, path: r.path, label: r.label, meta });
  });
  return { samples, badRows, totalRows: records.length, hasLabels: cols.hasLabels, header: cols.header };
}
