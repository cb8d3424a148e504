import { defineProject } from 'vitest/config';
import { shared } from '../../vitest.shared';

export default defineProject(shared(__dirname));
