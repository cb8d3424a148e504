import { defineProject } from 'vitest/config';
import { shared } from '../../vitest.shared.mjs';

const base = shared(import.meta.dirname);

// The cli's unit tests sit beside its code; this project runs them with the end-to-end tests,
// because the cli's own `test` target is the product's test command.
export default defineProject({
  ...base,
  test: { ...base.test, include: ['test/**/*.test.ts', '../cli/src/**/*.test.ts'], testTimeout: 600_000 },
});
