import { DataError } from '@kiln/core';

/** Why an image could not be used; data modules turn these into per-row WARNs. */
export type DecodeFailure = 'missing' | 'empty' | 'not_an_image' | 'corrupt' | 'too_large' | 'unreadable';

/** An input file or buffer that cannot be decoded into an image. */
export class ImageDecodeError extends DataError {
  constructor(
    readonly reason: DecodeFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
