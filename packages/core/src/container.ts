import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { ComponentBuilder } from './builder';
import type { Kind } from './kinds';
import { Logger } from './logger';
import type { Registries } from './registry';

/** Injection tokens of a run's container. */
export const TOKENS = {
  Config: Symbol.for('kiln.Config'),
  RunDir: Symbol.for('kiln.RunDir'),
  Logger: Symbol.for('kiln.Logger'),
  Registries: Symbol.for('kiln.Registries'),
  Builder: Symbol.for('kiln.Builder'),
  Engine: Symbol.for('kiln.Engine'),
  Seed: Symbol.for('kiln.Seed'),
} as const;

export interface RunServices {
  config: Record<string, unknown>;
  registries: Registries;
  logger?: Logger;
  runDir?: string;
  seed?: number;
  /** Whatever the engine package returns from its init (kept opaque here). */
  engine?: unknown;
}

/**
 * A child tsyringe container per run: singletons for config, run dir, logger, engine,
 * and a builder that turns `_target_` nodes into components.
 */
export function createRunContainer(services: RunServices): DependencyContainer {
  const c = rootContainer.createChildContainer();
  const logger = services.logger ?? new Logger();
  const seed = services.seed ?? (typeof services.config.seed === 'number' ? services.config.seed : 0);
  c.registerInstance(TOKENS.Config, services.config);
  c.registerInstance(TOKENS.Registries, services.registries);
  c.registerInstance(TOKENS.Logger, logger);
  c.registerInstance(TOKENS.Seed, seed);
  if (services.runDir !== undefined) c.registerInstance(TOKENS.RunDir, services.runDir);
  if (services.engine !== undefined) c.registerInstance(TOKENS.Engine, services.engine);
  c.registerInstance(
    TOKENS.Builder,
    new ComponentBuilder(services.registries, { logger, runDir: services.runDir, seed }),
  );
  return c;
}

/** Builds the component at config `path` (e.g. `model`) from the run's config. */
export function buildFromConfig<T>(
  c: DependencyContainer,
  kind: Kind,
  path: string,
  extra: Record<string, unknown> = {},
): T {
  const config = c.resolve<Record<string, unknown>>(TOKENS.Config);
  const node = path.split('.').reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], config);
  return c.resolve<ComponentBuilder>(TOKENS.Builder).build<T>(kind, node, path, extra);
}
