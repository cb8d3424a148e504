import type * as tf from '@tensorflow/tfjs';
import type { Int8ConvSpec, Int8DenseSpec } from '@kiln/contracts';

// The spec types are @kiln/contracts' (one definition, shared with @kiln/backend-native).
export type { Int8Activation, Int8Padding, Int8ConvSpec, Int8DenseSpec } from '@kiln/contracts';

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
