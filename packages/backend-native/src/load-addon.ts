import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import type { NativeAddon } from './native-addon.js';

const PKG_NAME = '@kiln/backend-native';
let cached: { addon: NativeAddon | null; error?: string } | undefined;

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

/** Number of threads the native kernels use (KILN_NATIVE_THREADS overrides). */
export function threadCount(): number {
  const env = Number(process.env.KILN_NATIVE_THREADS);
  if (Number.isInteger(env) && env > 0) return env;
  return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
}

/**
 * OpenBLAS 0.3.21 detects Zen 4/5 as Haswell; its SkylakeX kernels are up to
 * 2x faster there. Must be set before libopenblas is loaded.
 */
function tuneEnvironment(): void {
  // OpenMP worker threads that spin-wait collapse throughput (10x+) whenever
  // another process competes for the cores (CI, parallel test runners): let
  // them sleep instead. Set OMP_WAIT_POLICY=active on a dedicated machine.
  if (!process.env.OMP_WAIT_POLICY && !process.env.GOMP_SPINCOUNT) process.env.OMP_WAIT_POLICY = 'passive';
  if (process.platform !== 'linux' || process.env.OPENBLAS_CORETYPE) return;
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    if (/\bavx512f\b/.test(flags) && /\bavx512bw\b/.test(flags) && /\bavx512vl\b/.test(flags)) {
      process.env.OPENBLAS_CORETYPE = 'SkylakeX';
    }
  } catch {
    /* not fatal */
  }
}

/** The compiled addon's path (`KILN_NATIVE_ADDON` overrides it). */
export function addonFile(): string {
  return process.env.KILN_NATIVE_ADDON ?? join(packageRoot(), 'build', 'Release', 'kiln_native.node');
}

/** Loads the addon once; returns null when it is not built or fails to load. */
export function loadAddon(): NativeAddon | null {
  if (cached) return cached.addon;
  const file = addonFile();
  if (!existsSync(file)) {
    cached = { addon: null, error: `addon not built (${file})` };
    return null;
  }
  try {
    tuneEnvironment();
    const req = createRequire(join(packageRoot(), 'package.json'));
    const addon = req(file) as NativeAddon;
    addon.setThreads(threadCount());
    cached = { addon };
  } catch (e) {
    cached = { addon: null, error: String(e) };
  }
  return cached.addon;
}

/** Why the addon is unavailable (undefined when it loaded). */
export function loadError(): string | undefined {
  loadAddon();
  return cached?.error;
}
