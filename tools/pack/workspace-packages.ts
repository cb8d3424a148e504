import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [key: string]: unknown;
}

export interface WorkspacePackage {
  name: string;
  /** Folder relative to the workspace root, as package-lock.json writes it (`packages/core`). */
  location: string;
  dir: string;
  manifest: Manifest;
}

/** The publishable `@kiln/*` packages of the npm workspace at `root`, by name. */
export function workspacePackages(root: string): Map<string, WorkspacePackage> {
  const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  const out = new Map<string, WorkspacePackage>();
  for (const pattern of rootManifest.workspaces) {
    // Only `folder/*` patterns are used in this repository.
    if (!pattern.endsWith('/*')) throw new Error(`unsupported workspaces pattern '${pattern}'`);
    const parent = join(root, pattern.slice(0, -2));
    for (const entry of readdirSync(parent)) {
      const file = join(parent, entry, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
      if (manifest.private || !manifest.name.startsWith('@kiln/')) continue;
      const dir = join(parent, entry);
      out.set(manifest.name, { name: manifest.name, location: relative(root, dir).split('\\').join('/'), dir, manifest });
    }
  }
  return out;
}

/** `names` plus every workspace package they depend on (runtime dependencies only), in dependency order. */
export function withKilnDependencies(names: readonly string[], packages: Map<string, WorkspacePackage>): string[] {
  const order: string[] = [];
  const visit = (name: string, chain: string[]) => {
    if (order.includes(name)) return;
    const pkg = packages.get(name);
    if (!pkg) throw new Error(`unknown workspace package '${name}'${chain.length ? ` (needed by ${chain.join(' → ')})` : ''}`);
    for (const dep of Object.keys({ ...pkg.manifest.dependencies, ...pkg.manifest.optionalDependencies })) {
      if (packages.has(dep)) visit(dep, [...chain, name]);
    }
    order.push(name);
  };
  for (const n of names) visit(n, []);
  return order;
}
