import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './kernels/conv2d.js';
import { depthwiseBackpropFilter, depthwiseBackpropInput, depthwiseConv2d } from './kernels/depthwise.js';
import { BINARY_OPS, UNARY_OPS, binaryKernel, unaryKernel } from './kernels/elementwise.js';
import { batchMatMul } from './kernels/matmul.js';
import { avgPool, avgPoolGrad, maxPool, maxPoolGrad } from './kernels/pool.js';
import { REDUCE_OPS, reduceKernel } from './kernels/reduce.js';
import { fusedBatchNorm, tile } from './kernels/tile-batchnorm.js';
import type { NativeImpl } from './kernel-util.js';

/** Kernels with a C++ implementation (each falls back to cpu when unsupported). */
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
    Tile: tile,
    FusedBatchNorm: fusedBatchNorm,
  };
  for (const [name, op] of Object.entries(BINARY_OPS)) table[name] = binaryKernel(op);
  for (const [name, op] of Object.entries(UNARY_OPS)) table[name] = unaryKernel(op);
  for (const [name, op] of Object.entries(REDUCE_OPS)) table[name] = reduceKernel(op);
  return table;
}

/** Names of the kernels that run natively (when the addon is built). */
export function nativeKernelNames(): string[] {
  return Object.keys(nativeKernelTable()).sort();
}
