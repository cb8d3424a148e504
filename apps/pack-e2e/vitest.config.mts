import { defineProject } from 'vitest/config';
import { shared } from '../../vitest.shared.mjs';

const base = shared(import.meta.dirname);

// One install shared by every test of the file (beforeAll); npm and the examples run as child processes.
export default defineProject({ ...base, test: { ...base.test, include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 150_000 } });
