import { defineProject } from 'vitest/config';
import { shared } from '../../vitest.shared.mjs';

// The CLI's unit tests (beside its code). `cli:test` runs them unless it is given --input or a .csv
// (see scripts/test-target.mjs); the end-to-end runs of the built CLI live in apps/cli-e2e.
export default defineProject(shared(import.meta.dirname));
