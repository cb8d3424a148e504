import { DataError, silentLogger, type Logger } from '@kiln/core';

/**
 * The bad rows of one CSV: those dropped before training (`before`) and the images found
 * undecodable while batches load. Keyed by CSV row, so the train and val sides of a split
 * share one count. Crossing `maxBadFraction` of the CSV's rows aborts with a `DataError`.
 */
export class BadSamples {
  private readonly found = new Map<number, string>();

  constructor(
    readonly csvName: string,
    readonly totalRows: number,
    readonly before: number,
    readonly maxBadFraction: number,
    private readonly logger: Logger = silentLogger,
  ) {}

  has(row: number): boolean {
    return this.found.has(row);
  }

  /** Images dropped while loading (not counting the pre-pass). */
  get foundWhileLoading(): number {
    return this.found.size;
  }

  get total(): number {
    return this.before + this.found.size;
  }

  /** Records a row that failed to decode; throws once the CSV has too many bad rows. */
  add(row: number, path: string, reason: string): void {
    if (this.found.has(row)) return;
    this.found.set(row, reason);
    this.logger.warn(`dropped ${this.csvName} row ${row} (${path}): ${reason}; its slot takes the next sample`);
    const fraction = this.totalRows === 0 ? 1 : this.total / this.totalRows;
    if (fraction > this.maxBadFraction) {
      throw new DataError(
        `${this.csvName}: ${this.total} of ${this.totalRows} rows are bad (${(fraction * 100).toFixed(1)}% > maxBadFraction ` +
          `${this.maxBadFraction * 100}%): ${this.before} dropped before training, ${this.found.size} undecodable while ` +
          `loading; last: row ${row} (${path}): ${reason}`,
      );
    }
  }
}
