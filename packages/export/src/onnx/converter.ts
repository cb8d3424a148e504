import type * as tf from '@tensorflow/tfjs';
import { ExportError } from '../errors';
import type { OnnxGraph, Value } from './graph';

/** What a converter gets for one layer call. */
export interface ConvertContext {
  layer: tf.layers.Layer;
  /** `layer.getConfig()`. */
  config: Record<string, any>;
  inputs: Value[];
  /** Keras-order output shape of this call (batch = null). */
  outputShape: (number | null)[];
  graph: OnnxGraph;
  /** A weight by its short name (`kernel`, `bias`, `gamma`, …); throws when missing. */
  weight(short: string): { data: Float32Array; shape: number[] };
  /** Like `weight`, undefined when the layer has no such weight. */
  maybeWeight(short: string): { data: Float32Array; shape: number[] } | undefined;
  /** Fails with the layer's name and class in the message. */
  fail(reason: string): never;
}

/** Turns one tfjs layer call into ONNX nodes; returns the output value. */
export type LayerConverter = (ctx: ConvertContext) => Value;

/** Names a layer and its class in every conversion error. */
export function layerError(layer: tf.layers.Layer, reason: string): ExportError {
  return new ExportError(`ONNX export: layer '${layer.name}' (class ${layer.getClassName()}): ${reason}`);
}
