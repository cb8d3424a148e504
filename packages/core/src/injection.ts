import type { Logger } from './logger';
import type { Registries } from './registry';
import type { Rng } from './rng';

/**
 * A typed key of a run-level service in the run container. Other packages declare their own
 * with `token<T>(name)`; tsyringe itself never leaves `@kiln/core`.
 */
export interface Token<T> {
  readonly id: symbol;
  readonly name: string;
  /** Phantom: carries `T` for `RunContainer.get`. */
  readonly __type?: T;
}

export function token<T>(name: string): Token<T> {
  return { id: Symbol.for(`kiln.${name}`), name };
}

/**
 * The run-level services every run's container holds (singletons of that run). A component
 * receives them as its second constructor argument (`ComponentContext`); without a
 * container, `new X(options)` gets none and falls back to its defaults.
 */
export const TOKENS = {
  config: token<Record<string, unknown>>('config'),
  registries: token<Registries>('registries'),
  logger: token<Logger>('logger'),
  /** Absent in `fastDevRun`, tests and inference. */
  runDir: token<string>('runDir'),
  seed: token<number>('seed'),
  /** The run's seeded random stream (the global one `seedEverything` installed). */
  rng: token<Rng>('rng'),
  /** What the engine's init returned (backend, devices); opaque here. */
  engine: token<unknown>('engine'),
  /** The data-parallel communicator (`Communicator` of `@kiln/contracts`); absent in a single process. */
  communicator: token<unknown>('communicator'),
} as const;

export type ServiceName = keyof typeof TOKENS;

/**
 * The services a component may use, injected by the run container. Every field is optional
 * so a component stays constructible as plain `new X(options)` in other projects.
 */
export interface ComponentContext {
  config?: Record<string, unknown>;
  registries?: Registries;
  logger?: Logger;
  /** The run directory, when there is one (absent in tests and `fastDevRun`). */
  runDir?: string;
  /** The run's seed; derive streams with `new Rng(seed, 'name')`. */
  seed?: number;
  rng?: Rng;
  engine?: unknown;
  communicator?: unknown;
  /** Services a class asked for with `static inject` beyond these. */
  [extra: string]: unknown;
}

/**
 * A class may declare `static readonly inject = { name: token }` to receive exactly those
 * services (custom tokens included) under those names; without it, it receives every
 * registered run service of `TOKENS`.
 */
export type InjectSpec = Readonly<Record<string, Token<unknown>>>;
