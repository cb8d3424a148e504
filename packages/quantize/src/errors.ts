import { KilnError } from '@kiln/core';

/** A model cannot run in int8: an unsupported layer, an empty calibration split, a bad option. */
export class QuantizeError extends KilnError {}
