/**
 * What an int8 inference kernel is given (`@kiln/backend-native`'s `createInt8Conv`/`createInt8Dense`,
 * planned by `@kiln/quantize`): the shapes here, defined once for both.
 */

export type Int8InputType = 'u8' | 's8';

/**
 * How a float input is quantized before the int8 kernel: q = clamp(round(x / scale)), u8 [0, 255]
 * (non-negative inputs, e.g. after ReLU) or s8 symmetric [-127, 127]. Zero point is always 0.
 */
export interface Int8Input {
  scale: number;
  type: Int8InputType;
}

export type Int8Activation = 'linear' | 'relu' | 'relu6';

export interface Int8Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** One int8 conv (depthwise when groups = inC), NHWC input [n, inH, inW, inC], tfjs conv semantics, padding explicit. */
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
  /** 1 = conv; inC = depthwise (outC = inC × multiplier). */
  groups: number;
  /** int8 weights in tfjs layout: conv [kh, kw, inC, outC]; depthwise [kh, kw, inC, multiplier]. */
  weights: Int8Array;
  /** Per output channel: w_float ≈ weights · weightScales[oc]. */
  weightScales: Float32Array;
  /** Float bias per output channel (added after dequantization). */
  bias?: Float32Array;
  input: Int8Input;
  activation?: Int8Activation;
}

/** One int8 dense layer: x [..., inFeatures] → [..., outFeatures]. */
export interface Int8DenseSpec {
  inFeatures: number;
  outFeatures: number;
  /** int8 kernel in tfjs layout [inFeatures, outFeatures]. */
  weights: Int8Array;
  weightScales: Float32Array;
  bias?: Float32Array;
  input: Int8Input;
  activation?: Int8Activation;
}
