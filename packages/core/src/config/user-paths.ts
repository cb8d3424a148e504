import { dirname, isAbsolute, resolve } from 'node:path';

/**
 * Kiln's one rule for relative paths, implemented here only:
 * - a path in a config (`data.root`, `data.trainCsv`, `run.root`, `trainer.resume`, `--input`, …)
 *   resolves against the directory the command was run from: `INIT_CWD` (npm, npx and nx set it;
 *   nx itself runs commands in the workspace root), else the process's working directory;
 * - an `imports:` entry that starts with `.` resolves against the folder of the config file
 *   that lists it (so a config and its modules move together); package names stay as they are.
 */
export function userCwd(): string {
  return process.env.INIT_CWD || process.cwd();
}

/** A path the user wrote in a config or on the command line, made absolute by the rule above. */
export function resolveUserPath(path: string): string {
  return isAbsolute(path) ? path : resolve(userCwd(), path);
}

/** `imports:` entries of the config file at `configFile`: relative ones against its folder. */
export function anchorImports(imports: unknown, configFile: string): unknown {
  if (!Array.isArray(imports)) return imports;
  const dir = dirname(resolve(configFile));
  return imports.map((spec) => (typeof spec === 'string' && spec.startsWith('.') ? resolve(dir, spec) : spec));
}
