import { nativeKernelNames } from './kernel-table.js';
import { loadAddon, loadError } from './load-addon.js';
import { gemmEngine } from './kernels/matmul.js';

/** Description of the native runtime, as reported by `nativeInfo()`. */
export interface NativeInfo {
  available: boolean;
  error?: string;
  /** Compute libraries and versions. */
  library?: string;
  onednn?: string;
  openblas?: string;
  openblasCore?: string;
  gemm?: 'onednn' | 'openblas';
  threads?: number;
  /** OpenMP wait policy in effect (passive unless OMP_WAIT_POLICY/GOMP_SPINCOUNT set). */
  ompWaitPolicy?: string;
  kernels: string[];
}

/** True when the C++ addon is built and loads. */
export function isNativeAvailable(): boolean {
  return loadAddon() !== null;
}

/** Library/thread information about the native addon. */
export function nativeInfo(): NativeInfo {
  const addon = loadAddon();
  if (!addon) return { available: false, error: loadError(), kernels: [] };
  const i = addon.info();
  return {
    available: true,
    library: `oneDNN ${i.onednn} + ${i.openblas.split(' ').slice(0, 2).join(' ')}`,
    onednn: i.onednn,
    openblas: i.openblas,
    openblasCore: i.openblasCore,
    gemm: gemmEngine() === 1 ? 'onednn' : 'openblas',
    threads: i.threads,
    ompWaitPolicy: process.env.OMP_WAIT_POLICY ?? (process.env.GOMP_SPINCOUNT ? `GOMP_SPINCOUNT=${process.env.GOMP_SPINCOUNT}` : 'default'),
    kernels: nativeKernelNames(),
  };
}
