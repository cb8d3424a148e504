import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { PackedTarball } from './pack-tarballs';
import type { WorkspacePackage } from './workspace-packages';

/** The `name` of the projects written here (so a second run may overwrite its own project, and only that). */
export const SCRATCH_NAME = 'kiln-pack-scratch';

type LockEntry = Record<string, unknown> & {
  version?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
}

/** Folders Node would search, nearest first, for a package required from `location` (a lockfile path). */
function searchPaths(location: string, dep: string): string[] {
  const segments = location ? location.split('/') : [];
  const out: string[] = [];
  for (let n = segments.length; n >= 0; n--) {
    if (n > 0 && segments[n - 1] === 'node_modules') continue;
    const dir = segments.slice(0, n).join('/');
    out.push(dir ? `${dir}/node_modules/${dep}` : `node_modules/${dep}`);
  }
  return out;
}

/** `<registry>/@scope/name/-/name-1.2.3.tgz`, the registry's tarball address for a lock entry (the npm cache is keyed by it). */
function registryTarballUrl(registry: string, lockPath: string, entry: LockEntry): string {
  const name = (entry.name as string | undefined) ?? lockPath.slice(lockPath.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const bare = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  return `${registry}${name}/-/${bare}-${entry.version}.tgz`;
}

/**
 * A scratch project that installs the given tarballs with `npm ci --offline`.
 *
 * Why a lockfile: `npm install` of a tarball must resolve its third-party ranges (`^4.10.0`)
 * against registry metadata, and `npm ci` caches only the package tarballs, not that metadata,
 * so an offline install without a lockfile fails with ENOTCACHED. The lockfile written here
 * pins every third-party package to exactly the version (and integrity) the workspace's own
 * package-lock.json installed, which `npm ci` put in the cache; the `@kiln/*` packages come
 * from the tarballs alone.
 */
export function writeScratchProject(opts: {
  root: string;
  dir: string;
  tarballs: PackedTarball[];
  packages: Map<string, WorkspacePackage>;
  /** npm's `registry` setting; the lock's tarball URLs point there. */
  registry?: string;
}): { dependencies: Record<string, string>; lockedThirdParty: number } {
  const { root, dir, tarballs, packages } = opts;
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  if (lock.lockfileVersion < 2) throw new Error('package-lock.json: lockfileVersion 2 or 3 expected');
  const kiln = new Set(tarballs.map((t) => t.name));
  const out: Record<string, LockEntry> = {};
  const dependencies: Record<string, string> = {};

  // Workspace location → where the same package sits in the scratch project.
  const relocate = (path: string): string => {
    for (const pkg of packages.values()) {
      if (path.startsWith(`${pkg.location}/node_modules/`)) return `node_modules/${pkg.name}${path.slice(pkg.location.length)}`;
    }
    return path;
  };

  const registry = (opts.registry ?? npmRegistry()).replace(/\/?$/, '/');
  const visited = new Set<string>();
  const walk = (location: string, entry: LockEntry, owner: string) => {
    const edges: [string, boolean][] = [
      ...Object.keys(entry.dependencies ?? {}).map((d): [string, boolean] => [d, false]),
      ...Object.keys(entry.optionalDependencies ?? {}).map((d): [string, boolean] => [d, true]),
      ...Object.keys(entry.peerDependencies ?? {}).map((d): [string, boolean] => [d, entry.peerDependenciesMeta?.[d]?.optional === true]),
    ];
    for (const [dep, optional] of edges) {
      if (dep.startsWith('@kiln/')) {
        if (!kiln.has(dep)) throw new Error(`${owner} depends on ${dep}, which is not among the packed tarballs`);
        continue;
      }
      const found = searchPaths(location, dep).find((p) => lock.packages[p]);
      if (!found) {
        if (optional) continue;
        throw new Error(`package-lock.json has no '${dep}' reachable from '${location}' (needed by ${owner})`);
      }
      const target = lock.packages[found]!;
      if (target.link) throw new Error(`'${dep}' (needed by ${owner}) is a workspace link, not a registry package`);
      if (visited.has(found)) continue;
      visited.add(found);
      const { dev, devOptional, peer, ...copy } = target;
      void dev; void peer;
      if (devOptional) copy.optional = true;
      // The workspace lock stores no `resolved` URL; without one npm needs registry metadata to
      // find the tarball. With the URL (and the integrity) the cached tarball is used as is.
      if (!copy.resolved && typeof copy.version === 'string') copy.resolved = registryTarballUrl(registry, found, copy);
      out[relocate(found)] = copy;
      walk(found, target, `${dep}@${target.version}`);
    }
  };

  for (const t of tarballs) {
    const pkg = packages.get(t.name);
    if (!pkg) throw new Error(`${t.name} is not a workspace package`);
    const spec = `file:tarballs/${basename(t.file)}`;
    dependencies[t.name] = spec;
    const m = pkg.manifest;
    out[`node_modules/${t.name}`] = {
      version: t.version,
      resolved: spec,
      integrity: t.integrity,
      ...(m.license ? { license: m.license } : {}),
      ...(m.dependencies ? { dependencies: m.dependencies } : {}),
      ...(m.optionalDependencies ? { optionalDependencies: m.optionalDependencies } : {}),
      ...(m.peerDependencies ? { peerDependencies: m.peerDependencies } : {}),
      ...(m.engines ? { engines: m.engines } : {}),
    };
    walk(pkg.location, m as LockEntry, t.name);
  }

  const manifest = { name: SCRATCH_NAME, version: '0.0.0', private: true, dependencies };
  const sorted = Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
  const scratchLock = {
    name: manifest.name,
    version: manifest.version,
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: manifest.name, version: manifest.version, dependencies }, ...sorted },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(scratchLock, null, 2)}\n`);
  return { dependencies, lockedThirdParty: visited.size };
}

/** The registry npm is configured with (`npm config get registry`), whose addresses the cache holds. */
function npmRegistry(): string {
  if (process.env.npm_config_registry) return process.env.npm_config_registry;
  return execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
}
