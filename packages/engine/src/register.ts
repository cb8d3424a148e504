import type { Registries } from '@kiln/core';

/**
 * `@kiln/engine` has no config-built components (backends and devices are chosen by
 * `initEngine`), so there is nothing to register; kept for the uniform package API.
 */
export function register(_registries: Registries): void {}
