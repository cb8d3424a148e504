import '@tensorflow/tfjs-backend-cpu';
import { getKernelsForBackend, registerBackend, registerKernel, getKernel, type KernelFunc } from '@tensorflow/tfjs-core';
import { NATIVE_BACKEND_NAME, NativeBackend } from './backend.js';
import { kilnKernelTable, METADATA_KERNELS, nativeKernelTable } from './kernel-table.js';
import { count, jsKernel, nativeKernel } from './kernel-util.js';
import { loadAddon, loadError } from './load-addon.js';
import { registerKilnGradients, wrapGradients } from './fused-gradients.js';

/** Default registry priority: above `cpu` (1) and `wasm` (2). */
export const NATIVE_PRIORITY = 3;

export interface RegisterOptions {
  /** Backend registry priority (default 3, above `wasm` and `cpu`). */
  priority?: number;
  /**
   * Run the gradients of Relu, Relu6, ClipByValue, LeakyRelu, Sigmoid, Tanh, Erf,
   * Softmax, Tile, Mean and FusedBatchNorm as single fused kernels on `native`
   * (default true). Wraps tfjs's gradient registry entries; other backends keep
   * the original gradients.
   */
  fusedGradients?: boolean;
}

let registered = false;

/**
 * Registers the `native` tfjs backend: every `cpu` kernel, with the hot ones
 * replaced by C++ kernels, plus Kiln's fused kernels (`@kiln/contracts`'
 * KILN_KERNELS) and their gradients. The remaining cpu kernels are counted as
 * fallbacks in `nativeKernelStats()`. Returns false (and registers nothing)
 * when the addon is not built. Safe to call more than once.
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
  const metadata = new Set<string>(METADATA_KERNELS);
  const cpuKernels = new Map<string, KernelFunc>();
  for (const k of getKernelsForBackend('cpu')) {
    cpuKernels.set(k.kernelName, k.kernelFunc);
    if (natives[k.kernelName] || getKernel(k.kernelName, NATIVE_BACKEND_NAME)) continue;
    if (metadata.has(k.kernelName)) {
      const f = k.kernelFunc;
      registerKernel({ ...k, backendName: NATIVE_BACKEND_NAME, kernelFunc: (args) => (count(k.kernelName, true), f(args)) });
    } else {
      registerKernel(jsKernel(k.kernelName, k.kernelFunc));
    }
  }
  for (const [name, impl] of [...Object.entries(natives), ...Object.entries(kilnKernelTable())]) {
    if (getKernel(name, NATIVE_BACKEND_NAME)) continue;
    registerKernel(nativeKernel(name, impl, cpuKernels.get(name), addon));
  }
  registerKilnGradients();
  if (options.fusedGradients !== false) wrapGradients();
  registered = true;
  return true;
}
