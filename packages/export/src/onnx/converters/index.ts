import type { LayerConverter } from '../converter';
import { activationLayer, eluLayer, leakyReluLayer, reluLayer, softmaxLayer } from './activations';
import {
  averagePooling2d,
  conv2d,
  depthwiseConv2d,
  globalAveragePooling1d,
  globalAveragePooling2d,
  globalMaxPooling1d,
  globalMaxPooling2d,
  maxPooling2d,
  zeroPadding2d,
} from './conv';
import { dense, flatten, identity, permuteLayer, rescaling, reshape } from './core';
import { add, average, concatenate, dot, maximum, minimum, multiply } from './merge';
import { batchNormalization, layerNormalization } from './norm';
import { kilnBatchNorm, kilnGelu, kilnLayerNorm, kilnMultiHeadAttention, kilnRelu, kilnRelu6, kilnResidualAdd } from './kiln-layers';

/**
 * tfjs layer class name → ONNX converter. One entry per class, so a new layer (Kiln's own
 * fused ones included) is one small function plus one line here, or `registerOnnxConverter`.
 */
const CONVERTERS = new Map<string, LayerConverter>([
  ['Conv2D', conv2d],
  ['DepthwiseConv2D', depthwiseConv2d],
  ['MaxPooling2D', maxPooling2d],
  ['AveragePooling2D', averagePooling2d],
  ['GlobalAveragePooling2D', globalAveragePooling2d],
  ['GlobalMaxPooling2D', globalMaxPooling2d],
  ['GlobalAveragePooling1D', globalAveragePooling1d],
  ['GlobalMaxPooling1D', globalMaxPooling1d],
  ['ZeroPadding2D', zeroPadding2d],
  ['Dense', dense],
  ['Flatten', flatten],
  ['Reshape', reshape],
  ['Permute', permuteLayer],
  ['Rescaling', rescaling],
  ['Dropout', identity],
  ['SpatialDropout1D', identity],
  ['GaussianNoise', identity],
  ['GaussianDropout', identity],
  ['AlphaDropout', identity],
  ['BatchNormalization', batchNormalization],
  ['LayerNormalization', layerNormalization],
  ['Activation', activationLayer],
  ['ReLU', reluLayer],
  ['LeakyReLU', leakyReluLayer],
  ['ELU', eluLayer],
  ['Softmax', softmaxLayer],
  ['Add', add],
  ['Average', average],
  ['Maximum', maximum],
  ['Minimum', minimum],
  ['Multiply', multiply],
  ['Concatenate', concatenate],
  ['Dot', dot],
  // Kiln's own layers (@kiln/models).
  ['KilnLayerNorm', kilnLayerNorm],
  ['KilnGelu', kilnGelu],
  ['KilnReLU6', kilnRelu6],
  ['KilnMultiHeadAttention', kilnMultiHeadAttention],
  ['KilnBatchNorm', kilnBatchNorm],
  ['KilnReLU', kilnRelu],
  ['KilnResidualAdd', kilnResidualAdd],
]);

export function getOnnxConverter(className: string): LayerConverter | undefined {
  return CONVERTERS.get(className);
}

/** Adds (or replaces) the converter of a layer class, e.g. a custom layer of the user's. */
export function registerOnnxConverter(className: string, converter: LayerConverter): void {
  CONVERTERS.set(className, converter);
}

export function onnxConverterClasses(): string[] {
  return [...CONVERTERS.keys()].sort();
}
