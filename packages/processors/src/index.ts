// Public API of @kiln/processors (named exports only).
export { ImageProcessor } from './image-processor';
export type { ImageProcessorOptions } from './image-processor';
export { ImageDecodeError } from './decode-error';
export type { DecodeFailure } from './decode-error';
export { rawToImage } from './image';
export type { Image, RawImage, Transform } from './image';
export { register } from './register';
