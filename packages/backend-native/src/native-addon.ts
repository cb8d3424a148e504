/** Shape of the compiled N-API addon (`build/Release/kiln_native.node`). */
export interface NativeAddon extends NativeLayoutAddon, NativeOptimAddon, NativeGradAddon {
  setThreads(n: number): void;
  info(): {
    onednn: string;
    openblas: string;
    openblasCore: string;
    threads: number;
    ompMaxThreads: number;
    openblasThreads: number;
  };
  convForward(p: Int32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, alpha: number): void;
  convBackwardData(p: Int32Array, dy: Float32Array, w: Float32Array, dx: Float32Array): void;
  convBackwardFilter(p: Int32Array, x: Float32Array, dy: Float32Array, dw: Float32Array, dbias: Float32Array | null): void;
  convCacheSize(): number;
  gemm(
    a: Float32Array, b: Float32Array, c: Float32Array, batch: number, m: number, n: number, k: number,
    transA: boolean, transB: boolean, strideA: number, strideB: number, engine: number,
    bias: Float32Array | null, act: number, alpha: number,
  ): void;
  maxPool(p: Int32Array, x: Float32Array, y: Float32Array): void;
  avgPool(p: Int32Array, x: Float32Array, y: Float32Array): void;
  maxPoolGrad(p: Int32Array, x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  avgPoolGrad(p: Int32Array, dy: Float32Array, dx: Float32Array): void;
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  reduce(op: number, x: Float32Array, outer: number, mid: number, inner: number, out: Float32Array): void;
}

/** Layout helpers (layout.cc). */
export interface NativeLayoutAddon {
  binaryStrided(op: number, a: Float32Array, b: Float32Array, out: Float32Array, shape: Int32Array, stridesA: Int32Array, stridesB: Int32Array): void;
  tile(x: Float32Array, xShape: Int32Array, reps: Int32Array, out: Float32Array): void;
  batchNorm(x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null, scale: Float32Array | null, eps: number, channels: number, out: Float32Array): void;
}

/** Fused optimizers (optim.cc). */
export interface NativeOptimAddon {
  adam(
    value: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array,
    outValue: Float32Array, outM: Float32Array, outV: Float32Array,
    lr: number, beta1: number, beta2: number, eps: number, oneMinusAccBeta1: number, oneMinusAccBeta2: number,
  ): void;
}

/** Fused gradient kernels (layout.cc). */
export interface NativeGradAddon {
  batchNormGrad(
    x: Float32Array, dy: Float32Array, mean: Float32Array, variance: Float32Array, scale: Float32Array | null,
    eps: number, channels: number, dx: Float32Array, dmean: Float32Array, dvar: Float32Array,
    dscale: Float32Array, doffset: Float32Array,
  ): void;
  reluGrad(dy: Float32Array, y: Float32Array, out: Float32Array): void;
}
