import type { Registries } from '@kiln/core';
import { ImageProcessor } from './image-processor';

/** Registers the processors of this package (kind `processors`). */
export function register(registries: Registries): void {
  registries.processors.register(ImageProcessor, '@kiln/processors');
}
