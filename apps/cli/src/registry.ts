import { createRegistries, ConfigError, type Registries } from '@kiln/core';
import { register as registerAugmentation } from '@kiln/augmentation';
import { register as registerCallbacks } from '@kiln/callbacks';
import { register as registerData } from '@kiln/data';
import { register as registerLosses } from '@kiln/losses';
import { register as registerMetrics } from '@kiln/metrics';
import { register as registerModels } from '@kiln/models';
import { register as registerProcessors } from '@kiln/processors';
import { register as registerTrainer } from '@kiln/trainer';
import { resolve } from 'node:path';
import { lazyComponent } from './lazy-component';
import { resolveUserPath } from './paths';

/**
 * callbacks.export, loaded only when a config uses it (or its schema is read): @kiln/export brings
 * the full @tensorflow/tfjs umbrella and protobuf, which a training run otherwise never needs.
 */
function registerExport(registries: Registries): void {
  registries.callbacks.register(
    lazyComponent('export', () => (require('@kiln/export') as typeof import('@kiln/export')).ExportCallback),
    '@kiln/export',
  );
}

/** Every built-in component, registered explicitly (nothing registers on import). */
export function registerAll(): Registries {
  return createRegistries(
    registerData,
    registerProcessors,
    registerAugmentation,
    registerModels,
    registerLosses,
    registerMetrics,
    registerTrainer,
    registerCallbacks,
    registerExport,
  );
}

/**
 * Built-ins plus the user's own components: each module listed in config `imports:`
 * (a path relative to `baseDir` — where the command runs, or the folder of the config file that
 * lists it — or a package name) must export `register(registries)`, like Kiln's own packages.
 */
export function registerWithImports(imports: unknown, baseDir?: string): Registries {
  return importInto(registerAll(), imports, baseDir);
}

function importList(imports: unknown): string[] {
  const list = imports ?? [];
  if (!Array.isArray(list) || list.some((m) => typeof m !== 'string')) {
    throw new ConfigError(`'imports' must be a list of module paths or package names`, { path: 'imports', key: 'imports' });
  }
  return list as string[];
}

const isRelative = (spec: string) => spec.startsWith('.') || spec.startsWith('/');

/** `imports` with relative paths made absolute against `baseDir`, so a run's config.yaml names the files it used. */
export function absoluteImports(imports: unknown, baseDir?: string): string[] {
  return importList(imports).map((spec) => (isRelative(spec) ? (baseDir ? resolve(baseDir, spec) : resolveUserPath(spec)) : spec));
}

/** Loads each module of `imports` and calls its `register(registries)`. */
export function importInto(registries: Registries, imports: unknown, baseDir?: string): Registries {
  const list = importList(imports);
  const ids = absoluteImports(list, baseDir);
  list.forEach((spec, i) => {
    let mod: { register?: (r: Registries) => void };
    try {
      mod = require(ids[i]);
    } catch (err) {
      throw new ConfigError(`imports: cannot load '${spec}' (${(err as Error).message.split('\n')[0]})`, { path: 'imports', key: spec });
    }
    if (typeof mod.register !== 'function') {
      throw new ConfigError(`imports: '${spec}' has no exported register(registries) function`, { path: 'imports', key: spec });
    }
    mod.register(registries);
  });
  return registries;
}
