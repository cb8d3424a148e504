// The data contracts (Batch, DataLoader, Shard, Stage, DataModule) are defined once, in @kiln/contracts.
export type { Batch, DataLoader, DataModule, Shard, Stage } from '@kiln/contracts';

/** A usable CSV row. */
export interface Sample {
  /** 1-based data row (header excluded). */
  row: number;
  /** Absolute image path. */
  path: string;
  /** The label cell as written (class name or integer id); absent without a label column. */
  label?: string;
  /** The other columns, by header name (or column index without a header). */
  meta: Record<string, string>;
}

/** A row that was dropped, and why. */
export interface BadRow {
  row: number;
  path: string;
  reason: string;
}
