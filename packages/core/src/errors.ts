/**
 * Kiln's error family. `exitCode` lets entrypoints map failures to process exit codes
 * without string matching: usage/config mistakes exit 2, runtime failures exit 1.
 */
export class KilnError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The user asked for something malformed on the command line. */
export class UsageError extends KilnError {
  override readonly exitCode = 2;
}

export interface ConfigErrorDetails {
  /** Dotted config path of the offending node, e.g. `model.encoder.depth`. */
  path?: string;
  /** Offending key, when one key is at fault. */
  key?: string;
  /** Closest valid alternatives, best first. */
  suggestions?: string[];
  /** Component type name the options belong to. */
  component?: string;
}

/** A config file, override or component option is wrong. */
export class ConfigError extends KilnError {
  override readonly exitCode = 2;
  readonly details: ConfigErrorDetails;
  constructor(message: string, details: ConfigErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.details = details;
  }
}

/** Input data is unusable (label out of range, too many bad rows, unreadable CSV). */
export class DataError extends KilnError {}

/** A registry refused a registration or lookup. */
export class RegistryError extends KilnError {}
