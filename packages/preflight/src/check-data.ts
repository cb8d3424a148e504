import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { inferClasses, labelIdsFromCodes, readCsvIndex, type BadRow, type CsvIndex } from '@kiln/data';
import type { CsvDataSpec } from './data-spec';

/** Rows of one CSV, read from its compact index (no object per row: a CSV of millions stays small). */
export interface CsvRows {
  readonly length: number;
  /** 1-based CSV row number. */
  row(i: number): number;
  /** The image path, resolved against the CSV's root. */
  path(i: number): string;
  label(i: number): string | undefined;
}

function rowsOf(csv: CsvIndex, positions: readonly number[]): CsvRows {
  return {
    length: positions.length,
    row: (i) => csv.rows[positions[i]],
    path: (i) => resolve(csv.root, csv.cells.get(positions[i])),
    label: (i) => (csv.labelCodes ? csv.labelNames[csv.labelCodes[positions[i]]] : undefined),
  };
}

/** One CSV as the run would use it. */
export interface CsvReport {
  role: 'train' | 'val';
  path: string;
  totalRows: number;
  /** Rows the run keeps (after dropping unusable rows). */
  kept: CsvRows;
  /** Class id of each kept row. */
  ids: Int32Array;
  /** Rows the run would drop, each with its reason (the run drops them with a WARN; the first 10 000 unusable CSV rows are listed). */
  dropped: BadRow[];
}

export interface DataReport {
  problems: string[];
  classes: string[];
  csvs: CsvReport[];
  /** Sampled images that decoded to the processor's output shape (`h×w×c`). */
  decoded: { count: number; of: number; shape: number[] };
}

const SAMPLE_IMAGES = 6;
const SHOWN = 10;

function listed(items: string[]): string {
  return items.slice(0, SHOWN).join('; ') + (items.length > SHOWN ? `; … and ${items.length - SHOWN} more` : '');
}

/**
 * Checks a CSV-backed data module the way its `setup('fit')` would use it, without decoding the
 * whole dataset: CSVs readable, columns present, every label known, every image path inside its
 * root and present, a sample of images decoding to the processor's shape, train/val class sets
 * equal. Collects every problem instead of stopping at the first; writes nothing.
 */
export async function checkCsvData(spec: CsvDataSpec): Promise<DataReport> {
  const problems: string[] = [];
  const report: DataReport = { problems, classes: [], csvs: [], decoded: { count: 0, of: 0, shape: spec.processor.outputShape } };
  if (!spec.trainCsv) {
    problems.push('data.trainCsv is required for training (data=csv data.trainCsv=train.csv)');
    return report;
  }
  const read = async (role: 'train' | 'val', path: string): Promise<CsvIndex | undefined> => {
    try {
      const csv = await readCsvIndex(path, {
        pathColumn: spec.pathColumn,
        labelColumn: spec.labelColumn,
        imageRoot: spec.imageRoot,
        allowOutsideRoot: spec.allowOutsideRoot,
      });
      if (!csv.hasLabels) {
        problems.push(`${role} CSV ${path} has no label column '${spec.labelColumn}' (columns: ${csv.header?.join(', ')})`);
        return undefined;
      }
      if (csv.totalRows === 0) {
        problems.push(`${role} CSV ${path} has no data rows (only a header)`);
        return undefined;
      }
      return csv;
    } catch (err) {
      problems.push(`${role} CSV: ${(err as Error).message}`);
      return undefined;
    }
  };
  const train = await read('train', spec.trainCsv);
  const val = spec.valCsv ? await read('val', spec.valCsv) : undefined;
  if (!train) return report;

  const classes = spec.classes ?? inferClasses(train.labelNames);
  report.classes = classes;
  for (const [role, path, csv] of [['train', spec.trainCsv, train], ['val', spec.valCsv, val]] as const) {
    if (!csv || !path) continue;
    let ids: Int32Array | undefined;
    try {
      ids = labelIdsFromCodes(csv.labelNames, csv.labelCodes!, csv.rows, classes, basename(path));
    } catch (err) {
      problems.push(`${role} CSV: ${(err as Error).message}`);
    }
    const missing: BadRow[] = [];
    const keptIdx: number[] = [];
    const all = rowsOf(csv, Array.from(csv.rows.keys()));
    for (let i = 0; i < all.length; i++) {
      const file = all.path(i);
      let isFile = false;
      try {
        isFile = statSync(file).isFile();
      } catch {
        /* missing: reported below */
      }
      if (isFile) keptIdx.push(i);
      else missing.push({ row: all.row(i), path: file, reason: `${basename(path)} row ${all.row(i)}: ${file}: image file not found` });
    }
    const present = rowsOf(csv, keptIdx);
    const undecodable = new Set<number>();
    for (const bad of await decodeSample(spec, role, path, present, report)) {
      undecodable.add(bad.row);
      missing.push(bad);
    }
    const dropped = [...csv.badRows, ...missing].sort((a, b) => a.row - b.row);
    const unusable = csv.badCount + missing.length;
    const fraction = unusable / csv.totalRows;
    if (fraction > spec.maxBadFraction) {
      problems.push(
        `${role} CSV ${basename(path)}: ${unusable} of ${csv.totalRows} rows unusable (${(fraction * 100).toFixed(1)}% > ` +
          `maxBadFraction ${spec.maxBadFraction * 100}%): ${listed(dropped.map((d) => d.reason))}`,
      );
    }
    const keep = keptIdx.filter((i) => !undecodable.has(csv.rows[i]));
    const kept = rowsOf(csv, keep);
    report.csvs.push({ role, path, totalRows: csv.totalRows, kept, ids: ids ? Int32Array.from(keep, (i) => ids![i]) : new Int32Array(kept.length), dropped });
    if (kept.length === 0 && fraction <= spec.maxBadFraction) problems.push(`${role} CSV ${basename(path)}: no usable rows`);
  }

  const [trainReport, valReport] = [report.csvs.find((c) => c.role === 'train'), report.csvs.find((c) => c.role === 'val')];
  if (trainReport?.kept.length && valReport?.kept.length) {
    // By label text, so rows with a bad label (reported above) do not hide a mismatch.
    const known = new Set(classes);
    const classOf = (label: string | undefined) =>
      label === undefined ? undefined : known.has(label) ? label : /^\d+$/.test(label) && Number(label) < classes.length ? classes[Number(label)] : undefined;
    const names = (c: CsvReport) => {
      const out = new Set<string>();
      for (let i = 0; i < c.kept.length; i++) {
        const n = classOf(c.kept.label(i));
        if (n !== undefined) out.add(n);
      }
      return out;
    };
    const [t, v] = [names(trainReport), names(valReport)];
    const onlyTrain = [...t].filter((c) => !v.has(c));
    const onlyVal = [...v].filter((c) => !t.has(c));
    if (onlyTrain.length || onlyVal.length) {
      problems.push(
        `train/val class mismatch: ${onlyTrain.length ? `only in train: ${onlyTrain.join(', ')}` : ''}` +
          `${onlyTrain.length && onlyVal.length ? '; ' : ''}${onlyVal.length ? `only in val: ${onlyVal.join(', ')}` : ''}`,
      );
    }
  }
  return report;
}

/**
 * Decodes a few images spread over one CSV. A file that does not decode is a row the run would
 * drop (returned); one that decodes to another shape than the processor's is a problem.
 */
async function decodeSample(spec: CsvDataSpec, role: 'train' | 'val', path: string, present: CsvRows, report: DataReport): Promise<BadRow[]> {
  const expected = spec.processor.outputShape;
  const size = expected.reduce((a, b) => a * b, 1);
  const bad: BadRow[] = [];
  const n = Math.min(role === 'train' ? SAMPLE_IMAGES : Math.ceil(SAMPLE_IMAGES / 2), present.length);
  for (let k = 0; k < n; k++) {
    const j = Math.floor((k * present.length) / n);
    const [row, file] = [present.row(j), present.path(j)];
    report.decoded.of++;
    try {
      const out = await spec.processor.process(file);
      if (out.length === size) report.decoded.count++;
      else report.problems.push(`${basename(path)} row ${row}: ${file} decoded to ${out.length} values, the model expects ${expected.join('×')}`);
    } catch (err) {
      bad.push({ row, path: file, reason: `${basename(path)} row ${row}: ${(err as Error).message}` });
    }
  }
  return bad;
}
