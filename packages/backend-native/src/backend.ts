import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { backend_util, DataType, Rank, TensorBuffer, TensorInfo } from '@tensorflow/tfjs-core';
import type { ComputePrecisionInfo, ComputeType, KernelTime, KernelTimingBackend, PrecisionBackend } from '@kiln/contracts';
import { kernelTimes, resetKernelTimes, setKernelTiming } from './kernel-timing.js';
import { BufferPool, hugePagesEnabled, poolLimitBytes } from './buffer-pool.js';
import { loadAddon } from './load-addon.js';
import { precisionInfo, setPrecision } from './precision.js';

/** Name under which the backend is registered with tfjs. */
export const NATIVE_BACKEND_NAME = 'native';

type DataId = object;

/**
 * The native backend stores tensors exactly like the `cpu` backend (plain
 * typed arrays), so every cpu kernel works unchanged; hot kernels are
 * replaced by C++ ones (oneDNN / OpenBLAS) that read and write those arrays.
 * Output arrays of native kernels come from a recycling pool.
 */
/** memory.cc's 2 MB-aligned, huge-page-advised view offset (-1: none; the addon not loaded). */
function hugePageAlign(whole: Float32Array, n: number): number {
  return loadAddon()?.hugePageAlign(whole, n) ?? -1;
}

export class NativeBackend extends MathBackendCPU implements PrecisionBackend, KernelTimingBackend {
  readonly pool = new BufferPool(poolLimitBytes(), undefined, undefined, hugePagesEnabled() ? hugePageAlign : undefined);

  /** Compute type of the conv/matmul kernels (precision.ts); tensors stay float32. */
  setComputePrecision(type: ComputeType, emulate: boolean): ComputePrecisionInfo {
    return setPrecision(this.addon(), type, emulate);
  }

  computePrecision(): ComputePrecisionInfo {
    return precisionInfo(this.addon());
  }

  /** Per-kernel wall time (kernel-timing.ts), for `trainer.profiler: advanced`. */
  setKernelTiming(on: boolean): void {
    setKernelTiming(on);
  }

  kernelTimes(): Record<string, KernelTime> {
    return kernelTimes();
  }

  resetKernelTimes(): void {
    resetKernelTimes();
  }

  private addon() {
    const addon = loadAddon();
    if (!addon) throw new Error('kiln native: addon not loaded');
    return addon;
  }

  /** Output array for a native kernel (uninitialized; the kernel fills it). */
  alloc(n: number): Float32Array {
    return this.pool.take(n);
  }

  override write(values: backend_util.BackendValues, shape: number[], dtype: DataType): DataId {
    const id = super.write(values, shape, dtype);
    this.pool.track(values);
    return id;
  }

  override move(dataId: DataId, values: backend_util.BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    const old = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    super.move(dataId, values, shape, dtype, refCount);
    if (old !== values) {
      this.pool.track(values);
      if (old) this.pool.release(old);
    }
  }

  override readSync(dataId: DataId): backend_util.BackendValues {
    const v = super.readSync(dataId);
    this.pool.escape(v);
    return v;
  }

  override async read(dataId: DataId): Promise<backend_util.BackendValues> {
    return this.readSync(dataId);
  }

  override bufferSync<R extends Rank, D extends DataType>(t: TensorInfo): TensorBuffer<R, D> {
    this.pool.escape(this.data.get(t.dataId).values);
    return super.bufferSync<R, D>(t);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const released = super.disposeData(dataId, force);
    if (released && values && !this.data.has(dataId)) this.pool.release(values);
    return released;
  }

  override dispose(): void {
    this.pool.clear();
    super.dispose();
  }
}
