import type * as tf from '@tensorflow/tfjs';
import type { Int8Input } from './quant-math';

export type Int8Activation = 'linear' | 'relu' | 'relu6';

export interface Int8Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** One int8 conv (or depthwise when groups = inC), as `@kiln/backend-native`'s `createInt8Conv` takes it. */
export interface Int8ConvSpec {
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  pad: Int8Padding;
  groups: number;
  /** tfjs layout: conv [kh, kw, inC, outC], depthwise [kh, kw, inC, mult]. */
  weights: Int8Array;
  /** Per output channel. */
  weightScales: Float32Array;
  bias?: Float32Array;
  input: Int8Input;
  activation?: Int8Activation;
}

export interface Int8DenseSpec {
  inFeatures: number;
  outFeatures: number;
  /** [in, out]. */
  weights: Int8Array;
  weightScales: Float32Array;
  bias?: Float32Array;
  input: Int8Input;
  activation?: Int8Activation;
}

/** A prepared int8 primitive (weights reordered once); `dispose` frees it. */
export interface Int8Op {
  dispose?(): void;
}

export interface Int8SupportInfo {
  available: boolean;
  isa: string;
  vnni: boolean;
  amx: boolean;
  reason?: string;
}

/**
 * The int8 kernels a plan runs on: the native oneDNN ones (`nativeInt8Kernels`), or the
 * fake-quant reference (`referenceInt8Kernels`: same rounding, fp32 arithmetic) that tests
 * compare against and that runs anywhere.
 */
export interface Int8Kernels {
  readonly name: string;
  support(): Int8SupportInfo;
  createConv(spec: Int8ConvSpec): Int8Op;
  createDense(spec: Int8DenseSpec): Int8Op;
  conv2d(x: tf.Tensor4D, op: Int8Op): tf.Tensor4D;
  dense(x: tf.Tensor, op: Int8Op): tf.Tensor;
}
