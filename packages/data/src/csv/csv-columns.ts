import { DataError, didYouMean } from '@kiln/core';
import { resolveImagePath } from './resolve-image-path';

export interface CsvColumnOptions {
  /** Header name or 0-based column index of the image path (default `path`). */
  pathColumn?: string | number;
  /** Header name or index of the label; `null` = no labels. A named column that is absent means no labels. */
  labelColumn?: string | number | null;
  allowOutsideRoot?: boolean;
}

/** A data row that passed the per-row checks. */
export interface CheckedRow {
  /** The path cell as written (trimmed). */
  cell: string;
  path: string;
  label?: string;
}

/**
 * The per-row rules shared by every CSV reader: header and column lookup, ragged rows,
 * empty path or label, paths outside the root. `check` returns the usable row or the reason.
 */
export class CsvColumns {
  readonly header?: string[];
  readonly pathIdx: number;
  readonly labelIdx: number;
  readonly needsHeader: boolean;

  private constructor(
    readonly csvPath: string,
    readonly name: string,
    readonly root: string,
    private readonly allowOutsideRoot: boolean,
    header: string[] | undefined,
    pathIdx: number,
    labelIdx: number,
  ) {
    this.header = header;
    this.pathIdx = pathIdx;
    this.labelIdx = labelIdx;
    this.needsHeader = header !== undefined;
  }

  get hasLabels(): boolean {
    return this.labelIdx >= 0;
  }

  /** Whether the first record is a header (named columns). */
  static wantsHeader(options: CsvColumnOptions): boolean {
    const labelOpt = options.labelColumn === undefined ? 'label' : options.labelColumn;
    return typeof (options.pathColumn ?? 'path') === 'string' || typeof labelOpt === 'string';
  }

  /** Builds the column map from the header record (undefined when the file had no records). */
  static create(
    csvPath: string,
    name: string,
    root: string,
    options: CsvColumnOptions,
    headerRecord: string[] | undefined,
  ): CsvColumns {
    const pathColumn = options.pathColumn ?? 'path';
    const labelOpt = options.labelColumn === undefined ? 'label' : options.labelColumn;
    let header: string[] | undefined;
    if (CsvColumns.wantsHeader(options)) {
      if (!headerRecord) throw new DataError(`${csvPath} is empty (a header row is required, e.g. 'path,label')`);
      header = headerRecord.map((h) => h.trim());
    }
    const columnIndex = (col: string | number, what: string, required: boolean): number => {
      if (typeof col === 'number') return col;
      const i = header!.indexOf(col);
      if (i < 0 && required) {
        throw new DataError(`${csvPath} has no '${col}' column for the ${what}${didYouMean(col, header!)}; columns: ${header!.join(', ')}`);
      }
      return i;
    };
    const pathIdx = columnIndex(pathColumn, 'image path', true);
    const labelIdx = labelOpt === null ? -1 : columnIndex(labelOpt, 'label', false);
    return new CsvColumns(csvPath, name, root, options.allowOutsideRoot ?? false, header, pathIdx, labelIdx);
  }

  /** With `needPath` false, `path` may be '' (the caller resolves cells itself, later). */
  check(record: string[], row: number, line: number, needPath = true): CheckedRow | { cell: string; reason: string } {
    const cell = (record[this.pathIdx] ?? '').trim();
    const bad = (reason: string) => ({ cell, reason: `${this.name} row ${row} (line ${line}): ${reason}` });
    if (this.header && record.length !== this.header.length) {
      return bad(`has ${record.length} fields but the header has ${this.header.length} (ragged row)`);
    }
    if (record.length <= Math.max(this.pathIdx, this.labelIdx)) return bad(`has only ${record.length} fields`);
    if (cell === '') return bad('empty image path');
    const label = this.hasLabels ? record[this.labelIdx].trim() : undefined;
    if (this.hasLabels && label === '') return bad('empty label');
    if (!needPath && isPlainRelative(cell)) return { cell, path: '', label }; // inside the root by construction
    const resolved = resolveImagePath(cell, this.root, this.allowOutsideRoot);
    if ('reason' in resolved) return bad(`${cell}: ${resolved.reason}`);
    return { cell, path: resolved.path, label };
  }
}

/** A relative path without `..` segments, drive letters or backslashes: it cannot leave the root. */
function isPlainRelative(cell: string): boolean {
  const c0 = cell.charCodeAt(0);
  if (c0 === 47 /* / */ || c0 === 126 /* ~ */) return false;
  if (cell.includes('\\') || cell.includes(':')) return false;
  return !(cell === '..' || cell.startsWith('../') || cell.includes('/../') || cell.endsWith('/..'));
}
