import { ComponentBuilder, type Logger, type Registries } from '@kiln/core';
import { WebDatasetDataModule, type DataModule } from '@kiln/data';
import { checkRunConfig } from '@kiln/trainer';
import { checkComponents, type ComponentLine } from './check-components';
import { checkCsvData, type DataReport } from './check-data';
import { csvSpecOf, type CsvDataSpec } from './data-spec';
import { PreflightError } from './preflight-error';

export interface Preflight {
  components: ComponentLine[];
  /** Absent for a data module the preflight does not know (checked by its own setup). */
  spec?: CsvDataSpec;
  data?: DataReport;
}

export interface PreflightOptions {
  logger: Logger;
  /** `--dry-run`: an unknown data module is set up here to check it (a real run's trainer does that). */
  dryRun: boolean;
}

/**
 * What `train` checks before it writes anything: every component node (all config errors at
 * once; none of the data is touched when there is one), then the data module's CSVs and a
 * sample of its images. Throws a `PreflightError` (exit 2) listing every problem.
 */
export async function preflight(config: Record<string, unknown>, registries: Registries, options: PreflightOptions): Promise<Preflight> {
  const { problems, components } = checkComponents(config, registries);
  if (problems.length) throw new PreflightError(problems, 'in the config (before any data was read)');
  checkRunConfig(config, registries); // the trainer's own check: the same nodes, so it passes; kept against drift

  const seed = typeof config.seed === 'number' ? config.seed : 0;
  const builder = new ComponentBuilder(registries, { logger: options.logger, seed });
  let data: DataModule;
  try {
    data = builder.build<DataModule>('datasets', config.data, 'data');
  } catch (err) {
    throw new PreflightError([(err as Error).message], 'building the data module');
  }
  const node = (config.data ?? {}) as Record<string, unknown>;
  let spec: CsvDataSpec | undefined;
  try {
    spec = await csvSpecOf(data, node, options.logger);
  } catch (err) {
    throw new PreflightError([(err as Error).message], 'preparing the data');
  }
  if (!spec) {
    // WebDataset shards are checked cheaply (no tar read) before a real run writes anything.
    const shardProblems = data instanceof WebDatasetDataModule ? data.shardProblems('fit') : [];
    if (shardProblems.length) throw new PreflightError(shardProblems, 'in the data');
    if (options.dryRun) {
      try {
        await data.setup('fit');
      } catch (err) {
        throw new PreflightError([(err as Error).message], 'in the data');
      }
    }
    return { components };
  }
  const report = await checkCsvData(spec);
  if (report.problems.length) throw new PreflightError(report.problems, 'in the data');
  return { components, spec, data: report };
}
