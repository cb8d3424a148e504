import * as tf from '@kiln/contracts/tf';
import { KilnError } from '@kiln/core';

/**
 * The layer classes tfjs-layers 4.22 ships. Loading refuses every other `class_name`
 * unless it was allowed explicitly, so a `model.json` cannot make us instantiate
 * whatever else happens to be registered with tfjs serialization.
 */
export const BUILTIN_LAYER_CLASSES: readonly string[] = [
  'InputLayer', 'Model', 'Functional', 'Sequential', 'ReLU', 'LeakyReLU', 'PReLU', 'ELU', 'ThresholdedReLU',
  'Softmax', 'Conv2D', 'Conv3D', 'Conv2DTranspose', 'Conv3DTranspose', 'SeparableConv2D', 'Conv1D', 'Cropping2D',
  'UpSampling2D', 'DepthwiseConv2D', 'RNN', 'SimpleRNNCell', 'SimpleRNN', 'GRUCell', 'GRU', 'LSTMCell', 'LSTM',
  'StackedRNNCells', 'ConvLSTM2DCell', 'ConvLSTM2D', 'Dropout', 'SpatialDropout1D', 'Dense', 'Flatten', 'Activation',
  'RepeatVector', 'Reshape', 'Permute', 'Masking', 'Embedding', 'Add', 'Multiply', 'Average', 'Maximum', 'Minimum',
  'Concatenate', 'Dot', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'BatchNormalization',
  'LayerNormalization', 'ZeroPadding2D', 'MaxPooling1D', 'AveragePooling1D', 'MaxPooling2D', 'AveragePooling2D',
  'MaxPooling3D', 'AveragePooling3D', 'GlobalAveragePooling1D', 'GlobalMaxPooling1D', 'GlobalAveragePooling2D',
  'GlobalMaxPooling2D', 'TimeDistributed', 'Bidirectional', 'Rescaling', 'CenterCrop', 'CategoryEncoding',
  'Resizing', 'RandomWidth',
];

const BUILTIN = new Set(BUILTIN_LAYER_CLASSES);
const allowed = new Set<string>();

/** A custom layer class as tfjs serialization sees it (`static className`). */
export interface LayerClass {
  className: string;
  new (...args: any[]): tf.layers.Layer;
}

/** Allows `className` in loaded models; the class must also be registered with tfjs (see `registerLayer`). */
export function allowLayerClass(className: string): void {
  allowed.add(className);
}

/** Registers a custom layer with tfjs serialization and allows it in loaded models. */
export function registerLayer(cls: LayerClass): void {
  if (typeof cls.className !== 'string' || !cls.className) {
    throw new KilnError(`registerLayer: ${cls.name || 'class'} needs a static 'className'`);
  }
  tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
  allowLayerClass(cls.className);
}

export function isAllowedLayerClass(className: string): boolean {
  return BUILTIN.has(className) || allowed.has(className);
}

export interface LayerRef {
  /** Layer name (or its path inside nested models/wrappers). */
  name: string;
  className: string;
}

/**
 * Every layer node of a Layers-format topology: the model itself, each entry of its
 * `layers` list, nested models, wrapped layers (`TimeDistributed`, `Bidirectional`) and RNN cells.
 * Initialisers, regularisers and constraints are not layers and are not listed.
 */
export function listLayerClasses(node: unknown, path = ''): LayerRef[] {
  if (!node || typeof node !== 'object') return [];
  const n = node as { class_name?: unknown; config?: unknown; name?: unknown };
  if (typeof n.class_name !== 'string') return [];
  const config = (n.config && typeof n.config === 'object' ? n.config : {}) as Record<string, unknown>;
  const name = typeof n.name === 'string' ? n.name : typeof config.name === 'string' ? config.name : '?';
  const here = path ? `${path}/${name}` : name;
  const out: LayerRef[] = [{ name: here, className: n.class_name }];
  const layers = Array.isArray(n.config) ? n.config : config.layers;
  if (Array.isArray(layers)) for (const l of layers) out.push(...listLayerClasses(l, here));
  for (const key of ['layer', 'cell', 'cells']) {
    const inner = config[key];
    for (const l of Array.isArray(inner) ? inner : [inner]) out.push(...listLayerClasses(l, here));
  }
  return out;
}
