import { KilnError } from '@kiln/core';

/** Every problem a preflight found, one per line; exit 2 like any config error. */
export class PreflightError extends KilnError {
  override readonly exitCode = 2;
  constructor(readonly problems: string[], stage: string) {
    super(`${problems.length} problem(s) found ${stage}; nothing was written:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PreflightError';
  }
}
