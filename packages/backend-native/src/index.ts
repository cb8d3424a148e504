export { NativeBackend, NATIVE_BACKEND_NAME } from './backend.js';
export { registerNativeBackend, NATIVE_PRIORITY, type RegisterOptions } from './register.js';
export { isNativeAvailable, nativeInfo, type NativeInfo } from './info.js';
export { nativeKernelNames } from './kernel-table.js';
export { threadCount } from './load-addon.js';
export { nativeKernelStats, resetNativeKernelStats, type KernelStats } from './kernel-util.js';
export { NativeAdamOptimizer, nativeAdam } from './adam.js';
