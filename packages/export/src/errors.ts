import { KilnError } from '@kiln/core';

/** A model cannot be exported: an unsupported layer, a bad option, an unreadable checkpoint. */
export class ExportError extends KilnError {}
