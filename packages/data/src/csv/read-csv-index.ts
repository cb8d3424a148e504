import { createReadStream, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { DataError } from '@kiln/core';
import { IntList, StringTableBuilder, type StringTable } from '../index/string-table';
import type { BadRow } from '../types';
import { CsvColumns } from './csv-columns';
import { CsvParser, CsvSyntaxError } from './csv-parser';
import { csvOpenError, csvSyntaxError, type ReadCsvOptions } from './read-csv';

/** A CSV read into compact arrays: the usable rows, their label cells interned. */
export interface CsvIndex {
  csvPath: string;
  csvName: string;
  root: string;
  rows: Int32Array;
  cells: StringTable;
  /** Per usable row, an index into `labelNames` (absent without labels). */
  labelCodes?: Int32Array;
  /** Distinct label cells, in order of first appearance. */
  labelNames: string[];
  /** The first 10 000 bad rows with their reasons (`badCount` has them all). */
  badRows: BadRow[];
  badCount: number;
  /** Data rows in the file (kept + dropped). */
  totalRows: number;
  hasLabels: boolean;
  header?: string[];
  /** With `keepRecords`: every data row's cells as written; `records[row - 1]` is row `row`. */
  records?: string[][];
}

/** Bad rows kept with their reason; beyond this only the count grows (a broken 1M-row file stays small). */
const MAX_BAD_KEPT = 10_000;

/**
 * Streams an image CSV (64 KiB chunks) into a `CsvIndex`: nothing per row but a few bytes in
 * typed arrays, so a CSV of millions of rows is read in about a second and stays small.
 * Same rules and messages as `readCsvSamples`; extra columns are not kept.
 */
export async function readCsvIndex(
  csvPath: string,
  options: ReadCsvOptions = {},
  /** Also keep every row's cells (for `kiln test`, which writes its input back; not for training CSVs). */
  keep: { keepRecords?: boolean } = {},
): Promise<CsvIndex> {
  // The same unchanged CSV read twice in a process (the CLI's pre-flight check, then the data
  // module) is parsed once: keyed by path, options and the file's size, mtime and inode.
  let key: string | undefined;
  try {
    const st = statSync(csvPath);
    key = JSON.stringify([resolve(csvPath), options, !!keep.keepRecords, st.size, st.mtimeMs, st.ino]);
  } catch {
    /* unreadable: reading it below reports why */
  }
  const hit = key === undefined ? undefined : recent.get(key);
  if (hit) return hit;
  const result = await parseCsvIndex(csvPath, options, keep);
  if (key !== undefined && !keep.keepRecords) {
    recent.set(key, result);
    if (recent.size > RECENT) recent.delete(recent.keys().next().value!);
  }
  return result;
}

/** CSV indexes kept for a second reader (read-only by contract: consumers never change them). */
const recent = new Map<string, CsvIndex>();
const RECENT = 4;

async function parseCsvIndex(csvPath: string, options: ReadCsvOptions, keep: { keepRecords?: boolean }): Promise<CsvIndex> {
  const name = basename(csvPath);
  const root = resolve(options.imageRoot ?? dirname(resolve(csvPath)));
  const wantsHeader = CsvColumns.wantsHeader(options);
  let cols: CsvColumns | undefined = wantsHeader ? undefined : CsvColumns.create(csvPath, name, root, options, undefined);
  const rows = new IntList();
  const codes = new IntList();
  const cells = new StringTableBuilder();
  const labelIndex = new Map<string, number>();
  const labelNames: string[] = [];
  const badRows: BadRow[] = [];
  let badCount = 0;
  let row = 0;
  const records: string[][] | undefined = keep.keepRecords ? [] : undefined;
  const parser = new CsvParser((fields, line) => {
    if (!cols) {
      cols = CsvColumns.create(csvPath, name, root, options, fields);
      return;
    }
    row++;
    records?.push(fields);
    const r = cols.check(fields, row, line, false);
    if ('reason' in r) {
      badCount++;
      if (badRows.length < MAX_BAD_KEPT) badRows.push({ row, path: r.cell, reason: r.reason });
      return;
    }
    rows.push(row);
    cells.add(r.cell);
    if (r.label !== undefined) {
      let code = labelIndex.get(r.label);
      if (code === undefined) {
        code = labelNames.length;
        labelIndex.set(r.label, code);
        labelNames.push(r.label);
      }
      codes.push(code);
    }
  });
  try {
    const stream = createReadStream(csvPath, { encoding: 'utf8', highWaterMark: 1 << 16 });
    for await (const chunk of stream) parser.push(chunk as string);
    parser.end();
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw csvSyntaxError(csvPath, err);
    if (err instanceof DataError) throw err;
    throw csvOpenError(csvPath, err);
  }
  if (!cols) cols = CsvColumns.create(csvPath, name, root, options, undefined); // throws: no header
  return {
    csvPath,
    csvName: name,
    root,
    rows: rows.build(),
    cells: cells.build(),
    labelCodes: cols.hasLabels ? codes.build() : undefined,
    labelNames,
    badRows,
    badCount,
    totalRows: row,
    hasLabels: cols.hasLabels,
    header: cols.header,
    records,
  };
}
