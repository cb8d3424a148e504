import { expect } from 'vitest';
import { ConfigError } from '../errors';

/** Runs `fn`, asserts it throws a ConfigError, and returns it for further checks. */
export function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}
