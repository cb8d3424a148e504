import type { Registries } from '@kiln/core';
import { ExportCallback } from './export-callback';

/** Registers `callbacks.export` (kind `callbacks`). */
export function register(registries: Registries): void {
  registries.callbacks.register(ExportCallback, '@kiln/export');
}
