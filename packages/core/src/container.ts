import type { DependencyContainer } from 'tsyringe';
import { ComponentBuilder } from './builder';
import { ConfigError } from './errors';
import { TOKENS, type ComponentContext, type InjectSpec, type Token } from './injection';
import type { Kind } from './kinds';
import { Logger } from './logger';
import type { Registries } from './registry';
import { seedEverything, type Rng } from './rng';

export interface RunServices {
  /** The resolved config of the run. */
  config: Record<string, unknown>;
  registries: Registries;
  logger?: Logger;
  runDir?: string;
  /** Default: `config.seed`, else 0. */
  seed?: number;
  /** Whatever the engine package returns from its init (kept opaque here). */
  engine?: unknown;
  communicator?: unknown;
}

// tsyringe (and the reflect-metadata polyfill it needs first) load with the first run container, not
// when @kiln/core is imported: the decode worker threads import core and never build one (issue 21).
let root: DependencyContainer | undefined;
function rootContainer(): DependencyContainer {
  if (!root) {
    require('reflect-metadata');
    root = (require('tsyringe') as typeof import('tsyringe')).container;
  }
  return root;
}

/**
 * One run's child tsyringe container: the run-level services as singletons, and every
 * component built from config by `_target_` through it, receiving those services.
 * A new container per run: nothing registered here outlives it.
 */
export class RunContainer {
  private readonly builder: ComponentBuilder;

  private constructor(private readonly c: DependencyContainer) {
    this.builder = new ComponentBuilder(this.get(TOKENS.registries), (cls) => this.servicesFor(cls.inject));
  }

  /**
   * Creates the run's container and seeds every random stream once (`seedEverything`), so
   * components built afterwards draw from the run's seed.
   */
  static create(services: RunServices): RunContainer {
    const c = rootContainer().createChildContainer();
    const seed = services.seed ?? (typeof services.config.seed === 'number' ? services.config.seed : 0);
    const rng: Rng = seedEverything(seed);
    c.registerInstance(TOKENS.config.id, services.config);
    c.registerInstance(TOKENS.registries.id, services.registries);
    c.registerInstance(TOKENS.logger.id, services.logger ?? new Logger());
    c.registerInstance(TOKENS.seed.id, seed);
    c.registerInstance(TOKENS.rng.id, rng);
    if (services.runDir !== undefined) c.registerInstance(TOKENS.runDir.id, services.runDir);
    if (services.engine !== undefined) c.registerInstance(TOKENS.engine.id, services.engine);
    if (services.communicator !== undefined) c.registerInstance(TOKENS.communicator.id, services.communicator);
    return new RunContainer(c);
  }

  has(token: Token<unknown>): boolean {
    return this.c.isRegistered(token.id, true);
  }

  get<T>(token: Token<T>): T {
    if (!this.has(token)) throw new ConfigError(`the run has no '${token.name}' service`);
    return this.c.resolve<T>(token.id);
  }

  /** The service, or undefined when this run has none (e.g. no run directory). */
  find<T>(token: Token<T>): T | undefined {
    return this.has(token) ? this.c.resolve<T>(token.id) : undefined;
  }

  /** Registers a run-level singleton (a service of your own, or a built component others inject). */
  register<T>(token: Token<T>, value: T): void {
    this.c.registerInstance(token.id, value);
  }

  /** The services a component receives: every run service, or the ones its class names in `static inject`. */
  servicesFor(inject?: InjectSpec): ComponentContext {
    const spec: InjectSpec = inject ?? TOKENS;
    const out: ComponentContext = {};
    for (const [name, t] of Object.entries(spec)) {
      const value = this.find(t);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }

  /** Builds a `_target_` node; `extra` adds options the config does not hold (e.g. `numClasses`). */
  build<T>(kind: Kind, node: unknown, path: string, extra: Record<string, unknown> = {}): T {
    return this.builder.build<T>(kind, node, path, extra);
  }

  /** Builds the node at a dotted config path of the run's config (e.g. `model`). */
  buildAt<T>(kind: Kind, path: string, extra: Record<string, unknown> = {}): T {
    const config = this.get(TOKENS.config);
    const node = path.split('.').reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], config);
    return this.build<T>(kind, node, path, extra);
  }

  /** Releases the run's registrations (instances are the caller's to dispose). */
  dispose(): void {
    this.c.reset();
  }
}

/** Shorthand for `RunContainer.create`. */
export function createRunContainer(services: RunServices): RunContainer {
  return RunContainer.create(services);
}
