import { KilnError } from '@kiln/core';

/**
 * Every problem a preflight found; exit 2 like any config error. One problem is its own
 * one-line message (what a sweep's summary shows); several are listed one per line.
 */
export class PreflightError extends KilnError {
  override readonly exitCode = 2;
  constructor(readonly problems: string[], stage: string) {
    super(
      problems.length === 1
        ? problems[0]
        : `${problems.length} problems found ${stage}; nothing was written:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'PreflightError';
  }
}
