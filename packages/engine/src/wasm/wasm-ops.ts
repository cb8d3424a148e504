import { getKernel, type KernelBackend, type NamedAttrMap, type TensorInfo } from '@kiln/contracts/tf';

/**
 * Calls the wasm backend's own kernels from inside another kernel (the pattern tfjs backends
 * use internally), so the extra kernels run at wasm speed and never copy data to the cpu backend.
 * Intermediates must be released with `release` (the wasm backend reference-counts data ids).
 */
export class WasmOps {
  constructor(private readonly backend: KernelBackend) {}

  run(name: string, inputs: Record<string, TensorInfo> | TensorInfo[], attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = getKernel(name, 'wasm');
    if (!kernel) throw new Error(`wasm backend has no ${name} kernel (needed by Kiln's extra wasm kernels)`);
    const out = kernel.kernelFunc({ inputs: inputs as never, attrs, backend: this.backend });
    return Array.isArray(out) ? out[0] : out;
  }

  release(...infos: TensorInfo[]): void {
    for (const info of infos) this.backend.disposeData(info.dataId);
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }
  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }
  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }
  stridedSlice(x: TensorInfo, begin: number[], end: number[], strides: number[]): TensorInfo {
    return this.run('StridedSlice', { x }, {
      begin,
      end,
      strides,
      beginMask: 0,
      endMask: 0,
      ellipsisMask: 0,
      newAxisMask: 0,
      shrinkAxisMask: 0,
    });
  }
  multiply(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('Multiply', { a, b });
  }
  add(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('Add', { a, b });
  }
  sum(x: TensorInfo, axis: number[]): TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims: false });
  }
  concat(tensors: TensorInfo[], axis: number): TensorInfo {
    return this.run('Concat', tensors, { axis });
  }
}

/** Explicit padding (TF layout) for a Conv2D kernel; negatives are not allowed there. */
export type ExplicitPadding = [[0, 0], [number, number], [number, number], [0, 0]];
