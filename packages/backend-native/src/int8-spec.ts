import type { Int8Activation, Int8ConvSpec, Int8DenseSpec, Int8Input } from '@kiln/contracts';
import { ACT } from './op-codes.js';

// The spec types are @kiln/contracts' (one definition, shared with @kiln/quantize).
export type { Int8InputType, Int8Input, Int8Activation, Int8ConvSpec, Int8DenseSpec } from '@kiln/contracts';

const MAX_DIM = 2 ** 31 - 1;

function int(where: string, key: string, v: unknown, min: number): number {
  if (typeof v !== 'number') throw new TypeError(`${where}: ${key} must be a number, got ${typeof v}`);
  if (!Number.isInteger(v) || v < min || v > MAX_DIM) {
    throw new RangeError(`${where}: ${key} must be an integer >= ${min}, got ${v}`);
  }
  return v;
}

function arrays(where: string, spec: { weights: unknown; weightScales: unknown; bias?: unknown }): void {
  if (!(spec.weights instanceof Int8Array)) throw new TypeError(`${where}: weights must be an Int8Array`);
  if (!(spec.weightScales instanceof Float32Array)) throw new TypeError(`${where}: weightScales must be a Float32Array`);
  if (spec.bias !== undefined && spec.bias !== null && !(spec.bias instanceof Float32Array)) {
    throw new TypeError(`${where}: bias must be a Float32Array or undefined`);
  }
}

/** ACT code and src type code (0 = u8, 1 = s8), checked. */
function quantCodes(where: string, input: Int8Input | undefined, activation: Int8Activation | undefined): [number, number] {
  if (!input || typeof input !== 'object') throw new TypeError(`${where}: input must be { scale, type }`);
  if (input.type !== 'u8' && input.type !== 's8') throw new RangeError(`${where}: input.type must be 'u8' or 's8', got ${String(input.type)}`);
  if (typeof input.scale !== 'number' || !Number.isFinite(input.scale) || !(input.scale > 0)) {
    throw new RangeError(`${where}: input.scale must be a finite number > 0, got ${String(input.scale)}`);
  }
  const act = activation ?? 'linear';
  if (act !== 'linear' && act !== 'relu' && act !== 'relu6') {
    throw new RangeError(`${where}: activation must be 'linear', 'relu' or 'relu6', got ${String(act)}`);
  }
  return [act === 'linear' ? ACT.linear : act === 'relu' ? ACT.relu : ACT.relu6, input.type === 's8' ? 1 : 0];
}

/** Output height/width of a conv spec (tfjs/oneDNN floor semantics). */
export function convOutSize(s: Int8ConvSpec): { outH: number; outW: number } {
  const ekh = (s.kh - 1) * s.dilationH + 1, ekw = (s.kw - 1) * s.dilationW + 1;
  return {
    outH: Math.floor((s.inH + s.pad.top + s.pad.bottom - ekh) / s.strideH) + 1,
    outW: Math.floor((s.inW + s.pad.left + s.pad.right - ekw) / s.strideW) + 1,
  };
}

/** The addon's int8ConvCreate params (IH IW IC OC KH KW SH SW DH DW PT PB PL PR G ACT SRC); lengths/scales are checked natively. */
export function convParams(spec: Int8ConvSpec): Int32Array {
  const where = 'createInt8Conv';
  if (!spec || typeof spec !== 'object') throw new TypeError(`${where}: spec must be an object`);
  const s = spec as unknown as Record<string, unknown>;
  const dims = ['inH', 'inW', 'inC', 'outC', 'kh', 'kw', 'strideH', 'strideW', 'dilationH', 'dilationW'].map((k) => int(where, k, s[k], 1));
  if (!spec.pad || typeof spec.pad !== 'object') throw new TypeError(`${where}: pad must be { top, bottom, left, right }`);
  const pads = (['top', 'bottom', 'left', 'right'] as const).map((k) => int(where, `pad.${k}`, spec.pad[k], 0));
  const groups = int(where, 'groups', spec.groups, 1);
  if (groups !== 1 && groups !== spec.inC) {
    throw new RangeError(`${where}: groups must be 1 (conv) or inC = ${spec.inC} (depthwise), got ${groups}`);
  }
  if (spec.outC % groups !== 0) throw new RangeError(`${where}: groups ${groups} does not divide outC ${spec.outC}`);
  arrays(where, spec);
  const { outH, outW } = convOutSize(spec);
  if (!(outH > 0 && outW > 0)) throw new RangeError(`${where}: the (dilated) ${spec.kh}x${spec.kw} kernel is larger than the padded ${spec.inH}x${spec.inW} input`);
  const [act, src] = quantCodes(where, spec.input, spec.activation);
  return Int32Array.from([...dims, pads[0], pads[1], pads[2], pads[3], groups, act, src]);
}

/** The addon's int8DenseCreate params (IN OUT ACT SRC). */
export function denseParams(spec: Int8DenseSpec): Int32Array {
  const where = 'createInt8Dense';
  if (!spec || typeof spec !== 'object') throw new TypeError(`${where}: spec must be an object`);
  const k = int(where, 'inFeatures', spec.inFeatures, 1), n = int(where, 'outFeatures', spec.outFeatures, 1);
  arrays(where, spec);
  const [act, src] = quantCodes(where, spec.input, spec.activation);
  return Int32Array.from([k, n, act, src]);
}
