import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { MpiAddon } from './native-addon.js';

const PKG_NAME = '@kiln/mpi';
let cached: { addon: MpiAddon | null; error?: string } | undefined;

/** Walks up from this file to the package root (works from src/ and dist/). */
export function packageRoot(): string {
  const start = typeof __dirname === 'string' ? __dirname : process.cwd();
  let dir = start;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === PKG_NAME) return dir;
      } catch {
        /* keep walking */
      }
    }
    const up = dirname(dir);
    if (up === dir) return join(start, '..');
    dir = up;
  }
}

/** Path of the built addon (`KILN_MPI_ADDON` overrides). */
export function addonPath(): string {
  return process.env.KILN_MPI_ADDON ?? join(packageRoot(), 'build', 'Release', 'kiln_mpi.node');
}

/** Loads the addon once (loading does not initialise MPI); null when it is not built or fails to load. */
export function loadAddon(): MpiAddon | null {
  if (cached) return cached.addon;
  const file = addonPath();
  if (!existsSync(file)) {
    cached = { addon: null, error: `addon not built (${file}); install OpenMPI and run npm rebuild @kiln/mpi` };
    return null;
  }
  try {
    cached = { addon: createRequire(join(packageRoot(), 'package.json'))(file) as MpiAddon };
  } catch (e) {
    cached = { addon: null, error: `addon failed to load: ${e instanceof Error ? e.message : String(e)}` };
  }
  return cached.addon;
}

/** True when the MPI addon is built and loads (MPI itself is initialised only by createMpiCommunicator). */
export function isMpiAvailable(): boolean {
  return loadAddon() !== null;
}

/** Why the addon is unavailable (undefined when it loaded). */
export function mpiLoadError(): string | undefined {
  loadAddon();
  return cached?.error;
}
