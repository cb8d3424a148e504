/**
 * Writes `configs/schema/<kind>.json` (JSON Schema, draft 2020-12) for every registered component
 * kind, plus `train.json`, so editors can validate and complete config files.
 *
 *   npx tsc -b tsconfig.build.json && npx tsx tools/export-schema.ts [outDir]
 *
 * Components are registered exactly as the CLI registers them (`registerAll` of `@kiln/cli`), from
 * the built packages.
 */
import { join, relative, resolve } from 'node:path';
import { writeConfigSchemas } from '@kiln/core';
import { registerAll } from '@kiln/cli/registry';

const repoRoot = resolve(__dirname, '..');

function main(): void {
  const outDir = resolve(process.argv[2] ?? join(repoRoot, 'configs', 'schema'));
  // trainer/engine are config sections: their schemas come from the CLI's list
  const { configSchemaOptions } = require('../apps/cli/dist/schema-sections') as typeof import('../apps/cli/src/schema-sections');
  const written = writeConfigSchemas(registerAll(), outDir, configSchemaOptions());
  for (const p of written) console.log(`wrote ${relative(process.cwd(), p)}`);
  if (written.length === 0) console.warn('no components registered: nothing written');
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
