import { resolve, sep } from 'node:path';
import { StringTable } from './string-table';

/** A cell `resolve(root, cell)` would only append: relative, no `.`/`..` segment, no empty segment, no trailing slash. */
const PLAIN_CELL = /^(?!\/)(?!.*\/\/)(?!(?:.*\/)?\.\.?(?:\/|$))(?!.*\/$)./s;

/**
 * The usable rows of one CSV, compact: typed arrays and one string table (the path cells as
 * written), never an object per row, so memory grows by ~(path length + 24) bytes per row.
 * `sizes`/`mtimes` come from the stat pre-pass (NaN when not checked) and key the disk cache.
 */
export class RowIndex {
  readonly sizes: Float64Array;
  readonly mtimes: Float64Array;

  constructor(
    /** The CSV's file name, for messages. */
    readonly csvName: string,
    /** Folder the cells are relative to. */
    readonly root: string,
    /** 1-based CSV data row of each entry. */
    readonly rows: Int32Array,
    readonly cells: StringTable,
    /** Class id per entry (absent without labels). */
    readonly labels?: Int32Array,
    sizes?: Float64Array,
    mtimes?: Float64Array,
  ) {
    // Shared memory: the stat worker threads fill them in place, without a copy.
    this.sizes = sizes ?? new Float64Array(new SharedArrayBuffer(8 * rows.length)).fill(NaN);
    this.mtimes = mtimes ?? new Float64Array(new SharedArrayBuffer(8 * rows.length)).fill(NaN);
    // POSIX only, and only for a root that resolve() leaves as it is (absolute, normalised)
    this.prefix = sep === '/' && resolve(root) === root ? (root.endsWith('/') ? root : `${root}/`) : undefined;
  }

  /** `root/` when path() may append plain cells to it (the same string resolve() returns, about half the time: start-up stats and verifies every row). */
  private readonly prefix: string | undefined;

  get size(): number {
    return this.rows.length;
  }

  row(i: number): number {
    return this.rows[i];
  }

  /** The absolute image path of entry i. */
  path(i: number): string {
    const cell = this.cells.get(i);
    return this.prefix !== undefined && PLAIN_CELL.test(cell) ? this.prefix + cell : resolve(this.root, cell);
  }

  /** `train.csv row 12 (img/a.png)`: how messages name an entry. */
  describe(i: number): string {
    return `${this.csvName} row ${this.rows[i]} (${this.path(i)})`;
  }

  subset(indices: ArrayLike<number>): RowIndex {
    const pick = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const out = make(indices.length);
      for (let k = 0; k < indices.length; k++) out[k] = a[indices[k]];
      return out;
    };
    return new RowIndex(
      this.csvName,
      this.root,
      pick(this.rows, (n) => new Int32Array(n)),
      this.cells.subset(indices),
      this.labels && pick(this.labels, (n) => new Int32Array(n)),
      pick(this.sizes, (n) => new Float64Array(new SharedArrayBuffer(8 * n))),
      pick(this.mtimes, (n) => new Float64Array(new SharedArrayBuffer(8 * n))),
    );
  }
}
