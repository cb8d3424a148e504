import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { NativeAddon } from './native-addon.js';
import { NATIVE_BACKEND_NAME, type NativeBackend } from './backend.js';

/** Arguments a native kernel receives (tfjs kernel args, typed for our backend). */
export interface NativeArgs {
  inputs: Record<string, TensorInfo | undefined>;
  backend: NativeBackend;
  attrs: NamedAttrMap;
  addon: NativeAddon;
}

/** A native kernel returns its output, or null to defer to the cpu kernel. */
export type NativeImpl = (args: NativeArgs) => TensorInfo | TensorInfo[] | null;

const warned = new Set<string>();

/** Per-kernel counts of native executions and cpu fallbacks. */
export interface KernelStats { native: number; fallback: number }
const stats = new Map<string, KernelStats>();

/** Snapshot of native/fallback counts per kernel (for tests and profiling). */
export function nativeKernelStats(): Record<string, KernelStats> {
  return Object.fromEntries([...stats].map(([k, v]) => [k, { ...v }]));
}

/** Resets the counters returned by `nativeKernelStats()`. */
export function resetNativeKernelStats(): void {
  stats.clear();
}

const DEBUG = Boolean(process.env.KILN_NATIVE_DEBUG);
const logged = new Set<string>();

/** KILN_NATIVE_DEBUG=1: print each distinct (kernel, input shapes) that fell back to cpu. */
function logFallback(name: string, inputs: Record<string, TensorInfo | undefined>): void {
  const key = `${name} ${Object.entries(inputs).map(([k, t]) => `${k}:${t ? `${t.dtype}[${t.shape.join(',')}]` : '-'}`).join(' ')}`;
  if (logged.has(key)) return;
  logged.add(key);
  console.log(`kiln native fallback: ${key}`);
}

function count(name: string, native: boolean): void {
  let s = stats.get(name);
  if (!s) stats.set(name, (s = { native: 0, fallback: 0 }));
  if (native) s.native++;
  else s.fallback++;
}

/** Float32 values of a tensor, or null (int/bool/complex -> fall back). */
export function f32(backend: NativeBackend, t: TensorInfo | undefined): Float32Array | null {
  if (!t || t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

/** Wraps a Float32Array as a new float32 tensor of the backend. */
export function output(backend: NativeBackend, shape: number[], values: Float32Array): TensorInfo {
  return backend.makeTensorInfo(shape, 'float32', values);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Builds a kernel config for `native` that runs `impl` and falls back to the
 * cpu kernel when `impl` returns null or the addon throws.
 */
export function nativeKernel(
  kernelName: string,
  impl: NativeImpl,
  fallback: KernelFunc | undefined,
  addon: NativeAddon,
): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const nargs = { ...(args as unknown as Omit<NativeArgs, 'addon'>), addon };
    let out: TensorInfo | TensorInfo[] | null = null;
    try {
      out = impl(nargs);
    } catch (e) {
      if (!warned.has(kernelName)) {
        warned.add(kernelName);
        console.warn(`kiln native: ${kernelName} failed natively, using cpu kernel: ${String(e)}`);
      }
    }
    count(kernelName, out !== null);
    if (!out && DEBUG) logFallback(kernelName, args.inputs as Record<string, TensorInfo | undefined>);
    if (out) return out;
    if (!fallback) throw new Error(`kiln native: no cpu fallback for ${kernelName}`);
    return fallback(args);
  };
  return { kernelName, backendName: NATIVE_BACKEND_NAME, kernelFunc };
}

