import { DataError, didYouMean } from '@kiln/core';
import type { Sample } from './types';

const INTEGER = /^-?\d+$/;

/**
 * The class list of a training CSV: integer ids → `['0', …, String(max)]`; names →
 * sorted unique names (code-unit order, so it is the same on every machine).
 */
export function inferClasses(labels: Iterable<string>): string[] {
  const unique = [...new Set(labels)];
  if (unique.length > 0 && unique.every((l) => /^\d+$/.test(l))) {
    const max = Math.max(...unique.map(Number));
    return Array.from({ length: max + 1 }, (_, i) => String(i));
  }
  return unique.sort();
}

/**
 * Maps each sample's label to a class id. A label is a class name, or an integer id into
 * `classes`. Unknown names and out-of-range ids fail with a `DataError` naming the rows.
 */
export function labelIds(samples: Sample[], classes: string[], csvName: string): Int32Array {
  const index = new Map(classes.map((c, i) => [c, i]));
  const ids = new Int32Array(samples.length);
  const problems: string[] = [];
  samples.forEach((s, i) => {
    const label = s.label ?? '';
    const byName = index.get(label);
    if (byName !== undefined) ids[i] = byName;
    else if (INTEGER.test(label)) {
      const id = Number(label);
      if (id < 0 || id >= classes.length) {
        problems.push(`row ${s.row}: label id ${id} is out of range [0, ${classes.length})`);
      }
      ids[i] = id;
    } else {
      problems.push(`row ${s.row}: unknown class '${label}'${didYouMean(label, classes)}`);
    }
  });
  if (problems.length) {
    const shown = problems.slice(0, 5).join('; ');
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new DataError(
      `${csvName}: ${problems.length} bad label(s): ${shown}${more}. Classes (${classes.length}): ${preview(classes)}`,
    );
  }
  return ids;
}

function preview(classes: string[]): string {
  return classes.length > 20 ? `${classes.slice(0, 20).join(', ')}, …` : classes.join(', ');
}

/**
 * `labelIds` for interned labels (a `CsvIndex`): each distinct label cell is mapped once, so
 * a million rows cost one lookup per class. Problems name the first rows that carry them.
 */
export function labelIdsFromCodes(
  names: string[],
  codes: Int32Array,
  rows: Int32Array,
  classes: string[],
  csvName: string,
): Int32Array {
  const index = new Map(classes.map((c, i) => [c, i]));
  const idOf = new Int32Array(names.length);
  const problemOf = new Map<number, string>();
  names.forEach((label, code) => {
    const id = labelIdOf(label, classes, index);
    if (typeof id === 'number') idOf[code] = id;
    else problemOf.set(code, id);
  });
  const ids = new Int32Array(codes.length);
  const problems: string[] = [];
  let count = 0;
  for (let i = 0; i < codes.length; i++) {
    const problem = problemOf.get(codes[i]);
    if (problem === undefined) ids[i] = idOf[codes[i]];
    else if (count++ < 5) problems.push(`row ${rows[i]}: ${problem}`);
  }
  if (count) {
    const more = count > 5 ? ` (and ${count - 5} more)` : '';
    throw new DataError(`${csvName}: ${count} bad label(s): ${problems.join('; ')}${more}. Classes (${classes.length}): ${preview(classes)}`);
  }
  return ids;
}

/** The class id of one label cell, or what is wrong with it. */
export function labelIdOf(label: string, classes: string[], index?: Map<string, number>): number | string {
  const byName = index ? index.get(label) : classes.indexOf(label);
  if (byName !== undefined && byName >= 0) return byName;
  if (INTEGER.test(label)) {
    const id = Number(label);
    return id >= 0 && id < classes.length ? id : `label id ${id} is out of range [0, ${classes.length})`;
  }
  return `unknown class '${label}'${didYouMean(label, classes)}`;
}
