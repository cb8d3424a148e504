/**
 * Writes `configs/schema/<kind>.json` (JSON Schema, draft 2020-12) for every registered component
 * kind, so editors can validate and complete config files.
 *
 *   npx tsx tools/export-schema.ts [outDir]
 *
 * Each package's `register` is imported dynamically from its sources; a package without one yet
 * is skipped with a note, so the exporter works while packages are still being written.
 */
import { existsSync, readdirSync } from 'node:fs';
import Module from 'node:module';
import { join, relative, resolve } from 'node:path';
import { Registries, writeConfigSchemas, type RegisterFn } from '../packages/core/src/index';

const repoRoot = resolve(__dirname, '..');

// Resolve `@kiln/<name>` to the package's sources (as vitest does), so the exporter does not
// depend on every package's dist/ being built.
const moduleInternals = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolveFilename = moduleInternals._resolveFilename;
moduleInternals._resolveFilename = function (request: string, ...rest: unknown[]): string {
  const m = /^@kiln\/([a-z-]+)$/.exec(request);
  const source = m && join(repoRoot, 'packages', m[1], 'src', 'index.ts');
  return resolveFilename.call(this, source && existsSync(source) ? source : request, ...rest);
};

/** Loads `packages/<name>/src/register.ts` for every package; returns what was found and what was skipped. */
export function loadRegisterFns(packagesDir = join(repoRoot, 'packages')): { loaded: Array<[string, RegisterFn]>; skipped: string[] } {
  const loaded: Array<[string, RegisterFn]> = [];
  const skipped: string[] = [];
  for (const name of readdirSync(packagesDir).sort()) {
    const file = join(packagesDir, name, 'src', 'register.ts');
    if (!existsSync(file)) {
      skipped.push(`${name} (no src/register.ts)`);
      continue;
    }
    try {
      // require (not import) so the `@kiln/*` redirect above applies to the package's own imports
      const mod = require(file) as { register?: unknown; default?: { register?: unknown } };
      const register = mod.register ?? mod.default?.register;
      if (typeof register === 'function') loaded.push([name, register as RegisterFn]);
      else skipped.push(`${name} (register.ts exports no register function)`);
    } catch (err) {
      skipped.push(`${name} (import failed: ${(err as Error).message.split('\n')[0]})`);
    }
  }
  return { loaded, skipped };
}

async function main(): Promise<void> {
  const outDir = resolve(process.argv[2] ?? join(repoRoot, 'configs', 'schema'));
  const { loaded, skipped } = loadRegisterFns();
  const registries = new Registries();
  for (const [name, register] of loaded) {
    try {
      register(registries);
    } catch (err) {
      skipped.push(`${name} (register threw: ${(err as Error).message})`);
    }
  }
  // trainer/engine are config sections, not components: their schemas come from the CLI's list
  const { configSchemaOptions } = require('../apps/cli/src/schema-sections') as typeof import('../apps/cli/src/schema-sections');
  const written = writeConfigSchemas(registries, outDir, configSchemaOptions());
  for (const s of skipped) console.warn(`skipped ${s}`);
  for (const p of written) console.log(`wrote ${relative(process.cwd(), p)}`);
  if (written.length === 0) console.warn('no components registered: nothing written');
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
