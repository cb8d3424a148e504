// Public API of @kiln/losses (named exports only).
export { CrossEntropyLoss } from './cross-entropy';
export type { CrossEntropyOptions } from './cross-entropy';
export { FocalLoss } from './focal';
export type { FocalOptions } from './focal';
export { BceLoss } from './bce';
export type { BceOptions } from './bce';
export { MseLoss } from './mse';
export type { MseOptions } from './mse';
export { KdLoss } from './kd';
export type { KdOptions } from './kd';
export { targetMatrix } from './targets';
export { register, LOSS_CLASSES } from './register';
