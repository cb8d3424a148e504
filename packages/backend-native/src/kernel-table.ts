import { KILN_KERNELS } from '@kiln/contracts';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv2d.js';
import { depthwiseBackpropFilter, depthwiseBackpropInput, depthwiseConv2d } from './kernels/depthwise.js';
import { binaryKernel, cast, fill, onesLike, select, unaryKernel, zerosLike } from './kernels/elementwise.js';
import { applyAdam, applyRmsProp, applySgd, gelu, layerNorm, layerNormGrad, softmaxGrad, unaryGrad } from './kernels/fused.js';
import { batchNormGrad, batchNormGradFull, meanGrad, tileGrad } from './kernels/grad-helpers.js';
import { concat, oneHot, pad, slice, splitV, tile, transpose } from './kernels/layout.js';
import { batchMatMul } from './kernels/matmul.js';
import { avgPool, avgPoolGrad, maxPool, maxPoolGrad } from './kernels/pool.js';
import { argKernel, REDUCE_KERNELS, reduceKernel } from './kernels/reduce.js';
import { softmax } from './kernels/softmax.js';
import { fusedBatchNorm } from './kernels/batchnorm.js';
import { batchNormTrain, batchNormTrainGrad } from './kernels/batchnorm-train.js';
import { GRAD_KERNELS } from './fused-gradients.js';
import { INT8_KERNELS, int8Run } from './kernels/int8.js';
import { BINARY, GRAD, REDUCE, UNARY } from './op-codes.js';
import type { NativeImpl } from './kernel-util.js';

/** tfjs kernels that only relabel a tensor (no element loop anywhere): the cpu kernel runs, counted native. */
export const METADATA_KERNELS = ['Reshape', 'Identity'] as const;

/** tfjs kernels with a C++ implementation (each falls back to cpu when unsupported). */
export function nativeKernelTable(): Record<string, NativeImpl> {
  const table: Record<string, NativeImpl> = {
    Conv2D: conv2d,
    FusedConv2D: conv2d,
    Conv2DBackpropInput: conv2dBackpropInput,
    Conv2DBackpropFilter: conv2dBackpropFilter,
    DepthwiseConv2dNative: depthwiseConv2d,
    FusedDepthwiseConv2D: depthwiseConv2d,
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
    DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
    BatchMatMul: batchMatMul,
    _FusedMatMul: batchMatMul,
    MaxPool: maxPool,
    MaxPoolGrad: maxPoolGrad,
    AvgPool: avgPool,
    AvgPoolGrad: avgPoolGrad,
    FusedBatchNorm: fusedBatchNorm,
    Softmax: softmax,
    Select: select,
    Cast: cast,
    ZerosLike: zerosLike,
    OnesLike: onesLike,
    Fill: fill,
    Transpose: transpose,
    Slice: slice,
    SplitV: splitV,
    Concat: concat,
    PadV2: pad,
    Tile: tile,
    OneHot: oneHot,
    ArgMax: argKernel(REDUCE.ArgMax),
    ArgMin: argKernel(REDUCE.ArgMin),
    EluGrad: ({ inputs, ...rest }) => unaryGrad({ ...rest, inputs: { v: inputs.y, dy: inputs.dy }, attrs: { op: GRAD.Elu } }),
  };
  for (const [name, op] of Object.entries(BINARY)) table[name] = binaryKernel(op);
  for (const [name, op] of Object.entries(UNARY)) if (name !== 'Gelu' && name !== 'GeluTanh') table[name] = unaryKernel(op);
  for (const [name, op] of Object.entries(REDUCE_KERNELS)) table[name] = reduceKernel(op);
  return table;
}

/** Kiln's own kernels (contract kernels and gradient helpers): native only, no cpu counterpart. */
export function kilnKernelTable(): Record<string, NativeImpl> {
  return {
    [KILN_KERNELS.LayerNorm]: layerNorm,
    [KILN_KERNELS.BatchNormTrain]: batchNormTrain,
    [KILN_KERNELS.Gelu]: gelu,
    [KILN_KERNELS.ApplyAdam]: applyAdam,
    [KILN_KERNELS.ApplySgd]: applySgd,
    [KILN_KERNELS.ApplyRmsProp]: applyRmsProp,
    [GRAD_KERNELS.unaryGrad]: unaryGrad,
    [GRAD_KERNELS.softmaxGrad]: softmaxGrad,
    [GRAD_KERNELS.tileGrad]: tileGrad,
    [GRAD_KERNELS.meanGrad]: meanGrad,
    [GRAD_KERNELS.batchNormGrad]: batchNormGrad,
    [GRAD_KERNELS.batchNormGradFull]: batchNormGradFull,
    [GRAD_KERNELS.layerNormGrad]: layerNormGrad,
    [GRAD_KERNELS.batchNormTrainGrad]: batchNormTrainGrad,
    [INT8_KERNELS.conv2d]: int8Run,
    [INT8_KERNELS.dense]: int8Run,
  };
}

/** Names of the kernels that run natively (when the addon is built). */
export function nativeKernelNames(): string[] {
  return [...Object.keys(nativeKernelTable()), ...Object.keys(kilnKernelTable()), ...METADATA_KERNELS].sort();
}
