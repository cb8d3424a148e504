import type { Logger, Registries } from '@kiln/core';

/** What a tuner runs on: a composed run config with its registries and engine (the CLI's `kiln tune` builds it). */
export interface TuneContext {
  config: Record<string, unknown>;
  registries: Registries;
  logger: Logger;
  /** Where the tuner writes its files (default `<run.root>/tune`). */
  outDir: string;
  /** What the engine's init returned (the run's `engine` service). */
  engine: unknown;
}
