import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from './cli';

/**
 * The e2e suites are `describe.skipIf(!existsSync(CLI))` (some also check their command's
 * module), so a missing or partial CLI build would turn them into silent skips; under CI=true
 * that fails here instead, naming the files. Every command source must have its built module.
 */
const CLI_ROOT = resolve(__dirname, '../../cli');
const commands = readdirSync(join(CLI_ROOT, 'src', 'commands')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
const BUILT = [CLI, ...commands.map((f) => join(CLI_ROOT, 'dist', 'commands', f.replace(/\.ts$/, '.js')))];

describe('CI guard: the CLI is built before its end-to-end tests run', () => {
  const onCi = process.env.CI === 'true' || process.env.CI === '1';
  it('knows the built files the e2e tests run', () => {
    expect(commands).toContain('train.ts');
  });
  it.runIf(onCi)('CI=true: main.js and every command module are built (else the e2e tests would skip)', () => {
    const missing = BUILT.filter((f) => !existsSync(f));
    expect(missing, `not built: ${missing.join(', ')} — run \`npx nx run cli:build\` (or tsc -b tsconfig.build.json) first`).toEqual([]);
  });
});
