import type { Logger } from './logger';
import type { Registries } from './registry';
import type { Rng } from './rng';
import { token } from './token';

// The component contracts live with the registry (they refer to each other); re-exported here.
export type { ComponentContext, InjectSpec } from './registry';
export { token, type Token } from './token';

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
