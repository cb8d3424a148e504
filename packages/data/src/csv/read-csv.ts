import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { DataError, didYouMean } from '@kiln/core';
import type { BadRow, Sample } from '../types';
import { resolveImagePath } from './resolve-image-path';

export interface ReadCsvOptions {
  /** Header name or 0-based column index of the image path (default `path`). */
  pathColumn?: string | number;
  /** Header name or index of the label; `null` = no labels. A named column that is absent means no labels. */
  labelColumn?: string | number | null;
  /** Folder image paths are relative to (default: the CSV's folder). */
  imageRoot?: string;
  allowOutsideRoot?: boolean;
}

export interface CsvSamples {
  samples: Sample[];
  badRows: BadRow[];
  /** Data rows in the file (kept + dropped). */
  totalRows: number;
  hasLabels: boolean;
  /** Header names, or undefined when columns are given by index. */
  header?: string[];
  /** Every data row's cells as written (untrimmed, paths unresolved); `records[row - 1]` is row `row`. */
  records: string[][];
}

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

/**
 * Reads an image CSV: UTF-8 BOM, quoted fields and CRLF are handled by csv-parse. A
 * header row is required unless both columns are given as indices. Rows that cannot be
 * used (ragged, empty path, path outside the root, empty label) land in `badRows`;
 * structural problems with the file itself throw `DataError`.
 */
export function readCsvSamples(csvPath: string, options: ReadCsvOptions = {}): CsvSamples {
  const pathColumn = options.pathColumn ?? 'path';
  const labelOpt = options.labelColumn === undefined ? 'label' : options.labelColumn;
  const name = basename(csvPath);
  let text: string;
  try {
    text = readFileSync(csvPath, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    const hint = missing ? ' (public datasets: `kiln dataset import mnist|fashion-mnist|cifar10 --src=… --out=…` writes the CSVs)' : '';
    throw new DataError(`cannot read CSV ${csvPath}: ${missing ? 'file not found' : (err as Error).message}${hint}`, { cause: err });
  }
  let records: ParsedRecord[];
  try {
    records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, info: true }) as never;
  } catch (err) {
    throw new DataError(`${csvPath} is not a valid CSV: ${(err as Error).message}`, { cause: err });
  }
  const hasHeader = typeof pathColumn === 'string' || typeof labelOpt === 'string';
  let header: string[] | undefined;
  if (hasHeader) {
    const first = records.shift();
    if (!first) throw new DataError(`${csvPath} is empty (a header row is required, e.g. 'path,label')`);
    header = first.record.map((h) => h.trim());
  }
  const columnIndex = (col: string | number, what: string, required: boolean): number => {
    if (typeof col === 'number') return col;
    const i = header!.indexOf(col);
    if (i < 0 && required) {
      throw new DataError(
        `${csvPath} has no '${col}' column for the ${what}${didYouMean(col, header!)}; columns: ${header!.join(', ')}`,
      );
    }
    return i;
  };
  const pathIdx = columnIndex(pathColumn, 'image path', true);
  const labelIdx = labelOpt === null ? -1 : columnIndex(labelOpt, 'label', false);
  const hasLabels = labelIdx >= 0;
  const root = resolve(options.imageRoot ?? dirname(resolve(csvPath)));
  const samples: Sample[] = [];
  const badRows: BadRow[] = [];
  records.forEach(({ record, info }, i) => {
    const row = i + 1;
    const cell = (record[pathIdx] ?? '').trim();
    const bad = (reason: string) => badRows.push({ row, path: cell, reason: `${name} row ${row} (line ${info.lines}): ${reason}` });
    if (header && record.length !== header.length) {
      return bad(`has ${record.length} fields but the header has ${header.length} (ragged row)`);
    }
    if (record.length <= Math.max(pathIdx, labelIdx)) return bad(`has only ${record.length} fields`);
    if (cell === '') return bad('empty image path');
    const label = hasLabels ? record[labelIdx].trim() : undefined;
    if (hasLabels && label === '') return bad('empty label');
    const resolved = resolveImagePath(cell, root, options.allowOutsideRoot ?? false);
    if ('reason' in resolved) return bad(`${cell}: ${resolved.reason}`);
    const meta: Record<string, string> = {};
    record.forEach((v, c) => {
      if (c !== pathIdx && c !== labelIdx) meta[header ? header[c] : String(c)] = v;
    });
    samples.push({ row, path: resolved.path, label, meta });
  });
  return { samples, badRows, totalRows: records.length, hasLabels, header, records: records.map((r) => r.record) };
}
