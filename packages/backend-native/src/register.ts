import '@tensorflow/tfjs-backend-cpu';
import { getKernelsForBackend, registerBackend, registerKernel, getKernel, type KernelFunc } from '@tensorflow/tfjs-core';
import { NATIVE_BACKEND_NAME, NativeBackend } from './backend.js';
import { nativeKernelTable } from './kernel-table.js';
import { nativeKernel } from './kernel-util.js';
import { loadAddon, loadError } from './load-addon.js';
import { registerGradientKernels, wrapGradients } from './fused-gradients.js';

/** Default registry priority: above `cpu` (1) and `wasm` (2). */
export const NATIVE_PRIORITY = 3;

export interface RegisterOptions {
  /** Backend registry priority (default 3, above `wasm` and `cpu`). */
  priority?: number;
  /**
   * Run the Relu, FusedBatchNorm and Mean gradients as single fused kernels on
   * `native` (default true). Wraps tfjs's gradient registry entries; other
   * backends keep the original gradients.
   */
  fusedGradients?: boolean;
}

let registered = false;

/**
 * Registers the `native` backend with tfjs: all `cpu` kernels, with the hot
 * ones replaced by C++ kernels. Returns false (and registers nothing) when
 * the addon is not built. Safe to call more than once.
 */
export function registerNativeBackend(options: RegisterOptions = {}): boolean {
  if (registered) return true;
  const addon = loadAddon();
  if (!addon) {
    console.warn(`kiln: native backend unavailable: ${loadError() ?? 'unknown error'}`);
    return false;
  }
  registerBackend(NATIVE_BACKEND_NAME, () => new NativeBackend(), options.priority ?? NATIVE_PRIORITY);
  const natives = nativeKernelTable();
  const cpuKernels = new Map<string, KernelFunc>();
  for (const k of getKernelsForBackend('cpu')) {
    cpuKernels.set(k.kernelName, k.kernelFunc);
    if (natives[k.kernelName]) continue;
    if (getKernel(k.kernelName, NATIVE_BACKEND_NAME)) continue;
    registerKernel({ ...k, backendName: NATIVE_BACKEND_NAME });
  }
  for (const [name, impl] of Object.entries(natives)) {
    if (getKernel(name, NATIVE_BACKEND_NAME)) continue;
    registerKernel(nativeKernel(name, impl, cpuKernels.get(name), addon));
  }
  registerGradientKernels(addon);
  if (options.fusedGradients !== false) wrapGradients();
  registered = true;
  return true;
}
