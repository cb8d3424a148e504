import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { packTarballs, type PackedTarball } from './pack-tarballs';
import { SCRATCH_NAME, writeScratchProject } from './scratch-project';
import { withKilnDependencies, workspacePackages } from './workspace-packages';

export interface OfflineInstall {
  dir: string;
  tarballs: PackedTarball[];
  npmOutput: string;
}

/**
 * Packs `names` (plus the `@kiln/*` packages they need) from their built `dist/` into `dir/tarballs`,
 * writes a project there that depends on exactly those tarballs, and installs it with
 * `npm ci --offline`: nothing but the tarballs and npm's cache is read.
 */
export function installTarballsOffline(root: string, names: readonly string[], dir: string, opts: { ignoreScripts?: boolean } = {}): OfflineInstall {
  const rel = relative(resolve(root), resolve(dir));
  // Inside the repository npm would find the workspace root and its node_modules: not a clean install.
  if (!rel.startsWith('..') && !isAbsolute(rel)) throw new Error(`${dir} is inside the repository; use a folder outside it (e.g. under ${tmpdir()})`);
  const existing = join(dir, 'package.json');
  if (existsSync(existing) && (JSON.parse(readFileSync(existing, 'utf8')) as { name?: string }).name !== SCRATCH_NAME) {
    throw new Error(`${existing} exists and is not a scratch project written by this tool; pick a new folder`);
  }
  const packages = workspacePackages(root);
  const all = withKilnDependencies(names, packages);
  mkdirSync(dir, { recursive: true });
  const tarballs = packTarballs(root, all, join(dir, 'tarballs'), opts);
  const registry = execFileSync('npm', ['config', 'get', 'registry'], { cwd: root, encoding: 'utf8' }).trim();
  writeScratchProject({ root, dir, tarballs, packages, registry });
  const npmOutput = execFileSync('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { dir, tarballs, npmOutput };
}
