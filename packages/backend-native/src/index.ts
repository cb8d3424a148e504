export { NativeBackend, NATIVE_BACKEND_NAME } from './backend.js';
export { registerNativeBackend, NATIVE_PRIORITY, type RegisterOptions } from './register-backend.js';
export { isNativeAvailable, nativeInfo, type NativeInfo } from './info.js';
export { nativeKernelNames, METADATA_KERNELS } from './kernel-table.js';
export { threadCount } from './load-addon.js';
export { nativeKernelStats, resetNativeKernelStats, type KernelStats } from './kernel-util.js';
export { ACT, BINARY, UNARY, GRAD, REDUCE, PRECISION } from './op-codes.js';
export { precisionUnsupported } from './precision.js';
export { GRAD_KERNELS } from './fused-gradients.js';
export {
  createInt8Conv, createInt8Dense, int8Conv2d, int8Dense, int8Support, INT8_KERNELS,
  type Int8Op, type Int8SupportInfo, type Int8ConvSpec, type Int8DenseSpec, type Int8Input, type Int8InputType, type Int8Activation,
} from './int8.js';
