import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { DataType } from '@tensorflow/tfjs-core';
import type { NativeAddon, Values } from './native-addon.js';
import { NATIVE_BACKEND_NAME, type NativeBackend } from './backend.js';
import { kernelTimingEnabled, timeKernel } from './kernel-timing.js';

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

function describe(inputs: Record<string, TensorInfo | undefined>): string {
  return Object.entries(inputs).map(([k, t]) => `${k}:${t ? `${t.dtype}[${t.shape.join(',')}]` : '-'}`).join(' ');
}

/** KILN_NATIVE_DEBUG=1: print each distinct (kernel, input shapes) that fell back to cpu. */
function logFallback(name: string, inputs: Record<string, TensorInfo | undefined>): void {
  const key = `${name} ${describe(inputs)}`;
  if (logged.has(key)) return;
  logged.add(key);
  console.log(`kiln native fallback: ${key}`);
}

/** Counts one execution of a kernel (native, or the cpu kernel in JS). */
export function count(name: string, native: boolean): void {
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

/** Values of a float32/int32/bool tensor as the addon takes them, or null (string/complex). */
export function vals(backend: NativeBackend, t: TensorInfo | undefined): Values | null {
  if (!t || !(t.dtype === 'float32' || t.dtype === 'int32' || t.dtype === 'bool')) return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint8Array ? v : null;
}

/** A fresh output array for `dtype` (float32 from the pool; int32/bool plain). */
export function allocFor(backend: NativeBackend, dtype: DataType, n: number): Values {
  if (dtype === 'float32') return backend.alloc(n);
  return dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
}

/** Row-major element strides of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    st[d] = acc;
    acc *= shape[d];
  }
  return st;
}

/**
 * Drops size-1 dims and merges adjacent dims that are contiguous in every
 * view (fewer, longer inner loops in C++). Returns Int32Arrays for the addon.
 */
export function collapse(shape: readonly number[], ...views: (readonly number[])[]) {
  const outShape: number[] = [];
  const outViews: number[][] = views.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const k = outShape.length - 1;
    if (k >= 0 && views.every((v, i) => outViews[i][k] === v[d] * shape[d])) {
      outShape[k] *= shape[d];
      views.forEach((v, i) => (outViews[i][k] = v[d]));
    } else {
      outShape.push(shape[d]);
      views.forEach((v, i) => outViews[i].push(v[d]));
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    outViews.forEach((v) => v.push(0));
  }
  return { shape: Int32Array.from(outShape), views: outViews.map((v) => Int32Array.from(v)) };
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
      // Kiln's own kernels have no cpu twin: report the real problem to the caller.
      if (!fallback) throw e;
      if (!warned.has(kernelName)) {
        warned.add(kernelName);
        console.warn(`kiln native: ${kernelName} failed natively, using cpu kernel: ${String(e)}`);
      }
    }
    count(kernelName, out !== null);
    if (!out && DEBUG) logFallback(kernelName, args.inputs as Record<string, TensorInfo | undefined>);
    if (out) return out;
    if (!fallback) {
      throw new Error(`kiln native: ${kernelName} does not support these inputs (${describe(args.inputs as Record<string, TensorInfo | undefined>)}); ` +
        'it needs float32 tensors of matching shapes');
    }
    return fallback(args);
  };
  return { kernelName, backendName: NATIVE_BACKEND_NAME, kernelFunc: timeable(kernelName, kernelFunc) };
}

/** `kernelFunc`, timed per call while kernel timing is on (`trainer.profiler: advanced`). */
function timeable(kernelName: string, kernelFunc: KernelFunc): KernelFunc {
  return (args) => (kernelTimingEnabled() ? timeKernel(kernelName, () => kernelFunc(args)) : kernelFunc(args));
}

/** A cpu kernel registered for `native` unchanged (JS): every call counts as a fallback. */
export function jsKernel(kernelName: string, fallback: KernelFunc): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    count(kernelName, false);
    if (DEBUG) logFallback(kernelName, args.inputs as Record<string, TensorInfo | undefined>);
    return fallback(args);
  };
  return { kernelName, backendName: NATIVE_BACKEND_NAME, kernelFunc: timeable(kernelName, kernelFunc) };
}

