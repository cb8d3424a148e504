import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from './cli';

/**
 * Every e2e suite is `describe.skipIf(!existsSync(CLI))`, so a missing CLI build would turn
 * them into silent skips; under CI=true that fails here instead, naming the file.
 */
const BUILT = [CLI, resolve(__dirname, '../../cli/dist/commands/validate.js')];

describe('CI guard: the CLI is built before its end-to-end tests run', () => {
  const onCi = process.env.CI === 'true' || process.env.CI === '1';
  it.runIf(onCi)('CI=true: every built module the e2e tests run exists (else they would all skip)', () => {
    const missing = BUILT.filter((f) => !existsSync(f));
    expect(missing, `not built: ${missing.join(', ')} — run \`npx nx run cli:build\` (or tsc -b tsconfig.build.json) first`).toEqual([]);
  });
});
