/** Any typed array the copy/cast/fill kernels accept (1- or 4-byte elements). */
export type Values = Float32Array | Int32Array | Uint8Array;

/**
 * Shape of the compiled N-API addon (`build/Release/kiln_native.node`). Every
 * entry point checks its arguments and throws TypeError/RangeError on a bad call.
 */
export interface NativeAddon {
  setThreads(n: number): void;
  // memory.cc: offset (floats) of a 2 MB-aligned view of n floats inside `whole`, advised for huge pages (-1: none)
  hugePageAlign(whole: Float32Array, n: number): number;
  info(): {
    onednn: string;
    openblas: string;
    openblasCore: string;
    threads: number;
    ompMaxThreads: number;
    openblasThreads: number;
  };
  // conv.cc
  convForward(p: Int32Array, x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, alpha: number): void;
  convBackwardData(p: Int32Array, dy: Float32Array, w: Float32Array, dx: Float32Array): void;
  convBackwardFilter(p: Int32Array, x: Float32Array, dy: Float32Array, dw: Float32Array, dbias: Float32Array | null): void;
  convCacheSize(): number;
  // gemm.cc
  gemm(
    a: Float32Array, b: Float32Array, c: Float32Array, batch: number, m: number, n: number, k: number,
    transA: boolean, transB: boolean, strideA: number, strideB: number, engine: number,
    bias: Float32Array | null, act: number, alpha: number,
  ): void;
  // pool.cc
  maxPool(p: Int32Array, x: Float32Array, y: Float32Array): void;
  avgPool(p: Int32Array, x: Float32Array, y: Float32Array): void;
  maxPoolGrad(p: Int32Array, x: Float32Array, dy: Float32Array, dx: Float32Array): void;
  avgPoolGrad(p: Int32Array, dy: Float32Array, dx: Float32Array): void;
  // eltwise.cc
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number, beta: number): void;
  unaryGrad(op: number, v: Float32Array, dy: Float32Array, out: Float32Array, alpha: number, beta: number): void;
  select(cond: Uint8Array, a: Float32Array, b: Float32Array, out: Float32Array): void;
  cast(src: Values, dst: Values, toBool: boolean): void;
  fill(dst: Values, value: number): void;
  // broadcast.cc
  binaryStrided(op: number, a: Values, b: Values, out: Values, shape: Int32Array, stridesA: Int32Array, stridesB: Int32Array): void;
  // reduce.cc
  reduce(op: number, x: Float32Array, outer: number, mid: number, inner: number, out: Float32Array): void;
  reduceStrided(
    op: number, x: Float32Array, keptShape: Int32Array, keptStrides: Int32Array,
    redShape: Int32Array, redStrides: Int32Array, out: Float32Array | Int32Array,
  ): void;
  // copy.cc
  copyStrided(
    src: Values, dst: Values, shape: Int32Array, srcStrides: Int32Array, srcOffset: number,
    dstStrides: Int32Array, dstOffset: number,
  ): void;
  tile(x: Values, xShape: Int32Array, reps: Int32Array, out: Values): void;
  oneHot(indices: Int32Array, depth: number, on: number, off: number, out: Float32Array | Int32Array): void;
  // norm.cc
  batchNorm(x: Float32Array, mean: Float32Array, variance: Float32Array, offset: Float32Array | null, scale: Float32Array | null, eps: number, channels: number, out: Float32Array): void;
  batchNormGrad(
    x: Float32Array, dy: Float32Array, mean: Float32Array, variance: Float32Array, scale: Float32Array | null,
    eps: number, channels: number, dx: Float32Array, dmean: Float32Array, dvar: Float32Array,
    dscale: Float32Array, doffset: Float32Array,
  ): void;
  batchNormGradFull(
    x: Float32Array, dy: Float32Array, mean: Float32Array, variance: Float32Array, scale: Float32Array | null,
    eps: number, dx: Float32Array, dmean: Float32Array, dvar: Float32Array, dscale: Float32Array,
  ): void;
  layerNorm(x: Float32Array, gamma: Float32Array, beta: Float32Array, cols: number, eps: number, y: Float32Array): void;
  layerNormGrad(
    x: Float32Array, gamma: Float32Array, dy: Float32Array, cols: number, eps: number,
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
  ): void;
  softmax(x: Float32Array, cols: number, out: Float32Array, log: boolean): void;
  softmaxGrad(y: Float32Array, dy: Float32Array, cols: number, dx: Float32Array, log: boolean): void;
  // bn_train.cc
  batchNormTrain(
    x: Float32Array, gamma: Float32Array, beta: Float32Array, channels: number, eps: number,
    y: Float32Array, mean: Float32Array, variance: Float32Array,
  ): void;
  batchNormTrainGrad(
    x: Float32Array, dy: Float32Array, gamma: Float32Array, mean: Float32Array, variance: Float32Array,
    dmean: Float32Array | null, dvar: Float32Array | null, channels: number, eps: number,
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
  ): void;
  // precision.cc: mode is PRECISION.*; throws RangeError when the CPU cannot run it and emulate is false.
  setPrecision(mode: number, emulate: boolean): void;
  precisionInfo(): {
    mode: number; emulated: boolean; isa: string; bf16: boolean; amx: boolean; nativeCalls: number; emulatedCalls: number;
  };
  // int8.cc / int8_conv.cc / int8_matmul.cc: handles of prepacked int8 layers (src/int8.ts).
  /** params: IH IW IC OC KH KW SH SW DH DW PT PB PL PR G ACT SRC (SRC 0 = u8, 1 = s8); returns the handle id. */
  int8ConvCreate(p: Int32Array, w: Int8Array, weightScales: Float32Array, bias: Float32Array | null, inputScale: number): number;
  /** params: IN OUT ACT SRC; returns the handle id. */
  int8DenseCreate(p: Int32Array, w: Int8Array, weightScales: Float32Array, bias: Float32Array | null, inputScale: number): number;
  int8Run(id: number, x: Float32Array, batch: number, y: Float32Array): void;
  /** oneDNN's implementation name for that batch size (e.g. `jit_uni_int8:avx2`). */
  int8Impl(id: number, batch: number): string;
  int8Dispose(id: number): boolean;
  int8OpCount(): number;
  int8Support(): { available: boolean; isa: string; vnni: boolean; amx: boolean };
  // optimizers.cc
  adam(
    p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, outP: Float32Array, outM: Float32Array,
    outV: Float32Array, lr: number, beta1: number, beta2: number, eps: number, step: number, weightDecay: number,
    decoupled: boolean,
  ): void;
  sgd(
    p: Float32Array, g: Float32Array, velocity: Float32Array | null, outP: Float32Array, outVelocity: Float32Array | null,
    lr: number, momentum: number, dampening: number, nesterov: boolean, weightDecay: number, firstStep: boolean,
  ): void;
  rmsprop(
    p: Float32Array, g: Float32Array, squareAvg: Float32Array, momentumBuf: Float32Array | null, gradAvg: Float32Array | null,
    outP: Float32Array, outSquareAvg: Float32Array, outMomentumBuf: Float32Array | null, outGradAvg: Float32Array | null,
    lr: number, alpha: number, eps: number, momentum: number, centered: boolean, weightDecay: number,
  ): void;
}
