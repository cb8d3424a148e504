import { KilnError } from '@kiln/core';

/** A weights file is unreadable, inconsistent, or asks for something the readers refuse (code, unknown types). */
export class WeightsFormatError extends KilnError {}
