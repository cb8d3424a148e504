import { defineProject } from 'vitest/config';
import { shared } from '../../vitest.shared.mjs';

export default defineProject(shared(import.meta.dirname));
