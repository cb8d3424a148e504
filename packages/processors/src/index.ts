// Public API of @kiln/processors (named exports only).
export { ImageProcessor } from './image-processor';
export type { ImageProcessorOptions } from './image-processor';
export { ImageDecodeError } from './decode-error';
export type { DecodeFailure } from './decode-error';
export { rawToImage } from './image';
export type { RawImage } from './image';
// Defined in @kiln/contracts; re-exported for callers that only depend on processors.
export type { Image, Transform } from '@kiln/contracts';
export { register } from './register';
