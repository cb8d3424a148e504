import { defineProject } from 'vitest/config';
import { shared } from '../../vitest.shared.mjs';

const base = shared(import.meta.dirname);

// Each MPI test starts an mpirun whose ranks busy-poll while they wait: one file at a time.
export default defineProject({ ...base, test: { ...base.test, fileParallelism: false } });
