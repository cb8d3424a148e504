import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface PackedTarball {
  name: string;
  version: string;
  /** Absolute path of the `.tgz`. */
  file: string;
  integrity: string;
  /** Paths inside the tarball, relative to the package root. */
  files: string[];
}

interface NpmPackJson {
  name: string;
  version: string;
  filename: string;
  integrity: string;
  files: { path: string }[];
}

/**
 * `npm pack` of the given workspace packages into `outDir`. Each package's `prepack` script
 * (`tsc -b tsconfig.lib.json`) brings its `dist/` up to date first; a caller that has just built
 * everything once passes `ignoreScripts` to skip those per-package checks.
 */
export function packTarballs(root: string, names: readonly string[], outDir: string, opts: { ignoreScripts?: boolean } = {}): PackedTarball[] {
  mkdirSync(outDir, { recursive: true });
  const args = ['pack', '--json', '--pack-destination', outDir, ...(opts.ignoreScripts ? ['--ignore-scripts'] : []), ...names.flatMap((n) => ['-w', n])];
  const stdout = execFileSync('npm', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const packed = JSON.parse(stdout) as NpmPackJson[];
  return packed.map((p) => ({
    name: p.name,
    version: p.version,
    file: join(outDir, p.filename),
    integrity: p.integrity,
    files: p.files.map((f) => f.path),
  }));
}
