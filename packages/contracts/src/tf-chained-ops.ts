import * as core from '@tensorflow/tfjs-core';
// Types of the chained methods (`x.add(y)`): tfjs-core's own augmentation of Tensor, type-only.
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';

// The `@tensorflow/tfjs` umbrella installs these methods on Tensor (its register_all_chained_ops,
// which tfjs-core ships only as ES modules). Kiln loads tfjs-core without the umbrella (start-up:
// see ./tf.ts), so it installs the same 136 methods itself (tfjs-core's Tensor has `cast` already), with the umbrella's bodies.

/** Methods whose body is `return op(this, ...args)` with the tfjs-core op of the same name. */
const SAME_NAME = [
  'abs', 'acos', 'acosh', 'add', 'all', 'any', 'argMax', 'argMin', 'asin', 'asinh', 'atan', 'atan2', 'atanh',
  'avgPool', 'batchToSpaceND', 'batchNorm', 'broadcastTo', 'ceil', 'clipByValue', 'conv1d', 'conv2d', 'conv2dTranspose', 'cos', 'cosh',
  'cumprod', 'cumsum', 'depthToSpace', 'depthwiseConv2d', 'dilation2d', 'divNoNan', 'div', 'dot', 'elu', 'equal', 'erf', 'euclideanNorm', 'exp',
  'expandDims', 'expm1', 'fft', 'floor', 'floorDiv', 'gather', 'greaterEqual', 'greater', 'ifft', 'irfft', 'isFinite',
  'isInf', 'isNaN', 'leakyRelu', 'lessEqual', 'less', 'localResponseNormalization', 'logSigmoid', 'logSoftmax', 'logSumExp', 'log', 'log1p',
  'logicalAnd', 'logicalNot', 'logicalOr', 'logicalXor', 'matMul', 'maxPool', 'max', 'maximum', 'mean', 'min', 'minimum',
  'mirrorPad', 'mod', 'mul', 'neg', 'norm', 'notEqual', 'oneHot', 'onesLike', 'pad', 'pool', 'pow', 'prelu', 'prod',
  'reciprocal', 'relu', 'relu6', 'reshape', 'reverse', 'rfft', 'round', 'rsqrt', 'selu', 'separableConv2d', 'sigmoid',
  'sign', 'sin',
  'sinh', 'slice', 'softmax', 'softplus', 'spaceToBatchND', 'split', 'sqrt', 'square', 'squaredDifference', 'squeeze',
  'step', 'stridedSlice', 'sub', 'sum', 'tan', 'tanh', 'tile', 'topk', 'transpose', 'unique', 'unsortedSegmentSum', 'unstack',
  'zerosLike',
] as const;

type T = core.Tensor;
type Ops = Record<string, (...args: unknown[]) => unknown>;

/** The umbrella's other 17 methods (casts, reshapes, the array-taking ones), body for body. */
const SPECIAL: Record<string, (this: T, ...args: any[]) => unknown> = {
  asScalar(this: T) {
    core.util.assert(this.size === 1, () => 'The array must have only 1 element.');
    return core.reshape(this, []);
  },
  asType(this: T, dtype: core.DataType) { return core.cast(this, dtype); },
  as1D(this: T) { return core.reshape(this, [this.size]); },
  as2D(this: T, r: number, c: number) { return core.reshape(this, [r, c]); },
  as3D(this: T, r: number, c: number, d: number) { return core.reshape(this, [r, c, d]); },
  as4D(this: T, r: number, c: number, d: number, d2: number) { return core.reshape(this, [r, c, d, d2]); },
  as5D(this: T, r: number, c: number, d: number, d2: number, d3: number) { return core.reshape(this, [r, c, d, d2, d3]); },
  concat(this: T, x: T | T[], axis?: number) { return core.concat([this, ...(x instanceof core.Tensor ? [x] : x)], axis); },
  flatten(this: T) { return core.reshape(this, [this.size]); },
  reshapeAs(this: T, x: T) { return core.reshape(this, x.shape); },
  stack(this: T, x: T | T[], axis?: number) { return core.stack(x instanceof core.Tensor ? [this, x] : [this, ...x], axis); },
  toBool(this: T) { return core.cast(this, 'bool'); },
  toFloat(this: T) { return core.cast(this, 'float32'); },
  toInt(this: T) { return core.cast(this, 'int32'); },
  where(this: T, condition: T, x: T) { return core.where(condition, this, x); },
  resizeBilinear(this: T, size: [number, number], alignCorners?: boolean, halfPixelCenters?: boolean) {
    return core.image.resizeBilinear(this as core.Tensor3D, size, alignCorners, halfPixelCenters);
  },
  resizeNearestNeighbor(this: T, size: [number, number], alignCorners?: boolean, halfPixelCenters?: boolean) {
    return core.image.resizeNearestNeighbor(this as core.Tensor3D, size, alignCorners, halfPixelCenters);
  },
};

/** Names of every chained method this installs (tests compare them with the umbrella's). */
export const CHAINED_OPS: readonly string[] = [...SAME_NAME, ...Object.keys(SPECIAL)];

/** Installs the chained methods on tfjs-core's Tensor; leaves any already there (the umbrella's, when a user loads it too). */
export function installChainedOps(): void {
  const proto = core.Tensor.prototype as unknown as Record<string, unknown>;
  const ops = core as unknown as Ops;
  for (const name of SAME_NAME) {
    if (typeof proto[name] === 'function') continue;
    const op = ops[name];
    proto[name] = function (this: T, ...args: unknown[]) {
      this.throwIfDisposed();
      return op(this, ...args);
    };
  }
  for (const [name, body] of Object.entries(SPECIAL)) {
    if (typeof proto[name] === 'function') continue;
    proto[name] = function (this: T, ...args: unknown[]) {
      this.throwIfDisposed();
      return body.apply(this, args);
    };
  }
}
