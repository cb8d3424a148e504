import { ConfigError, Logger, createRunContainer, quoteCsv, writeFileAtomic, type Registries } from '@kiln/core';
import type { DataModule } from '@kiln/data';

export type EvalSplit = 'val' | 'test';

/**
 * Writes the rows of a run's val (or test) split as a `path,label` CSV, exactly as its data
 * module sees them: `data.valCsv`, the seeded `data.valSplit` of trainCsv, a built-in
 * dataset's own split. Returns the row count. Images are decoded once here by the loader.
 * `registries` must hold the run's data module (the built-ins plus the run's `imports:`).
 */
export async function writeSplitCsv(config: Record<string, unknown>, split: EvalSplit, file: string, logger: Logger, registries: Registries): Promise<number> {
  // no runDir: the data module must not write classes.json into the run it is checking
  const data = createRunContainer({ config, registries, logger }).buildAt<DataModule>('datasets', 'data');
  await data.setup(split === 'val' ? 'fit' : 'test');
  const loader = split === 'val' ? data.valLoader() : data.testLoader();
  if (!loader) {
    throw new ConfigError(
      split === 'val' ? "the run's data config has no validation split (set data.valCsv or data.valSplit, or use --split=test)" : "the run's data config has no test split (set data.testCsv)",
      { path: split === 'val' ? 'data.valCsv' : 'data.testCsv' },
    );
  }
  const lines = ['path,label'];
  for await (const batch of loader) {
    for (let i = 0; i < batch.paths.length; i++) {
      const label = batch.labels ? data.classes[batch.labels[i]] : '';
      lines.push(`${quoteCsv(batch.paths[i])},${quoteCsv(label ?? '')}`);
    }
  }
  await writeFileAtomic(file, lines.join('\n') + '\n');
  return lines.length - 1;
}
