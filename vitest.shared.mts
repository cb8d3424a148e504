import { resolve } from 'node:path';
import type { UserWorkspaceConfig } from 'vitest/config';

const root = import.meta.dirname;

/**
 * Shared vitest settings for every project. Workspace packages resolve to their
 * TypeScript sources, so tests never depend on a stale `dist/`.
 */
export function shared(projectDir: string): UserWorkspaceConfig {
  return {
    resolve: {
      alias: [
        { find: /^@kiln\/([a-z-]+)$/, replacement: resolve(root, 'packages/$1/src/index.ts') },
        // a package's subpath export (`@kiln/contracts/tf`) → its source file of that name
        { find: /^@kiln\/([a-z-]+)\/([a-z-]+)$/, replacement: resolve(root, 'packages/$1/src/$2.ts') },
      ],
    },
    oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } } as never,
    test: {
      root: projectDir,
      environment: 'node',
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      pool: 'forks',
    },
  };
}
