import { defineProject } from 'vitest/config';
import { shared } from '../../vitest.shared.mjs';

const base = shared(import.meta.dirname);

// End-to-end runs of the built CLI (its unit tests run in `cli:test`, see apps/cli/scripts/test-target.mjs).
export default defineProject({
  ...base,
  test: { ...base.test, include: ['test/**/*.test.ts'], testTimeout: 600_000 },
});
