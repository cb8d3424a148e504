import { join } from 'node:path';
import { resolveUserPath, type Logger } from '@kiln/core';
import { CsvDataModule, ensureShapesDataset, SHAPE_CLASSES, ShapesDataModule, type DataModule } from '@kiln/data';
import type { ImageProcessor } from '@kiln/processors';

/** What the preflight reads of a CSV-backed data module: the same options its `setup('fit')` uses. */
export interface CsvDataSpec {
  trainCsv: string | null;
  valCsv: string | null;
  valSplit: number | null;
  classes: string[] | null;
  pathColumn: string | number;
  labelColumn: string | number;
  imageRoot?: string;
  allowOutsideRoot: boolean;
  maxBadFraction: number;
  batchSize: number;
  dropLast: boolean;
  processor: ImageProcessor;
  /** Written for the run by the data module itself (the built-in dataset), not the user's files. */
  generated?: string;
}

/**
 * The CSV spec of the built data module, or undefined for a data module the preflight does not
 * know (it is then checked by its own `setup`). The built-in `shapes` dataset is generated (into
 * its cache folder, as its `setup` would) so its CSVs can be checked like any other.
 */
export async function csvSpecOf(data: DataModule, node: Record<string, unknown>, logger: Logger): Promise<CsvDataSpec | undefined> {
  if (data instanceof CsvDataModule) {
    const o = data.options;
    return {
      trainCsv: o.trainCsv && resolveUserPath(o.trainCsv),
      valCsv: o.valCsv && resolveUserPath(o.valCsv),
      valSplit: o.valSplit,
      classes: o.classes,
      pathColumn: o.pathColumn,
      labelColumn: o.labelColumn,
      imageRoot: o.imageRoot ? resolveUserPath(o.imageRoot) : undefined,
      allowOutsideRoot: o.allowOutsideRoot,
      maxBadFraction: o.maxBadFraction,
      batchSize: o.batchSize,
      dropLast: o.dropLast,
      processor: data.processor,
    };
  }
  if (data instanceof ShapesDataModule) {
    await ensureShapesDataset(data.root, data.datasetSpec, logger);
    const num = (v: unknown, d: number) => (typeof v === 'number' ? v : d);
    return {
      trainCsv: join(data.root, 'train.csv'),
      valCsv: data.datasetSpec.valPerClass > 0 ? join(data.root, 'val.csv') : null,
      valSplit: null,
      classes: [...SHAPE_CLASSES],
      pathColumn: 'path',
      labelColumn: 'label',
      allowOutsideRoot: false,
      maxBadFraction: num(node.maxBadFraction, 0.05),
      batchSize: num(node.batchSize, 64),
      dropLast: node.dropLast === true,
      processor: data.processor,
      generated: data.root,
    };
  }
  return undefined;
}
