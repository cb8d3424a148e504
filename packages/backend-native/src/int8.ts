/**
 * Kiln's own int8 inference (issue #23): convolutions, depthwise convolutions and dense layers run as
 * oneDNN int8 primitives on prepacked per-channel int8 weights. The float32 input is quantized in C++
 * (q = clamp(round(x / scale)), zero point 0), the int32 accumulators are dequantized by
 * inputScale · weightScales[oc], the float bias added and relu/relu6 applied, all inside the
 * primitive; the output is float32. Inference only (no gradients), native backend only.
 *
 * Additions to the API agreed with @kiln/quantize (nothing changed or removed): `Int8Op` also has
 * `inShape`/`outShape` (per batch row) and `impl(batch)`; `int8Support()` adds `fullRangeWeights`
 * (false without VNNI/AMX: there the kernels add u8·s8 product pairs in int16, so every output channel
 * whose weights exceed 7 bits is halved, round half to even, with its scale doubled — use 7-bit "reduce
 * range" weights, the export default, to keep every weight bit there).
 */
import { engine, getBackend, getKernel, type Tensor, type Tensor4D } from '@tensorflow/tfjs-core';
import { NATIVE_BACKEND_NAME } from './backend.js';
import { convOutSize, convParams, denseParams, type Int8ConvSpec, type Int8DenseSpec } from './int8-spec.js';
import { INT8_KERNELS } from './kernels/int8.js';
import { loadAddon, loadError } from './load-addon.js';
import type { NativeAddon } from './native-addon.js';

export type { Int8InputType, Int8Input, Int8Activation, Int8ConvSpec, Int8DenseSpec } from './int8-spec.js';
export { INT8_KERNELS } from './kernels/int8.js';

export interface Int8Op {
  readonly kind: 'conv2d' | 'dense';
  /** Floats per batch row of the input ([inH, inW, inC] or [inFeatures]) and of the output. */
  readonly inShape: readonly number[];
  readonly outShape: readonly number[];
  /** oneDNN's implementation for that batch size, e.g. `jit_uni_int8:avx2` (ONEDNN_VERBOSE names the same). */
  impl(batch: number): string;
  dispose(): void;
}

export interface Int8SupportInfo {
  available: boolean;
  isa: string;
  vnni: boolean;
  amx: boolean;
  /** Whether 8-bit weights run as given (VNNI/AMX); false: channels wider than 7 bits are halved (scale doubled). */
  fullRangeWeights: boolean;
  reason?: string;
}

function addonOrThrow(where: string): NativeAddon {
  const addon = loadAddon();
  if (!addon) throw new Error(`${where}: int8 inference needs Kiln's native addon, which is not available (${loadError() ?? 'unknown error'})`);
  return addon;
}

/** Whether int8 kernels run here and on what ISA (oneDNN's), e.g. {available:true, isa:'avx2', vnni:false}; reason when not. */
export function int8Support(): Int8SupportInfo {
  const addon = loadAddon();
  if (!addon) return { available: false, isa: 'unknown', vnni: false, amx: false, fullRangeWeights: false, reason: `native addon not available: ${loadError() ?? 'unknown error'}` };
  const s = addon.int8Support();
  return {
    ...s,
    fullRangeWeights: s.vnni || s.amx,
    ...(s.available ? {} : { reason: `oneDNN reports ISA ${s.isa}: its int8 convolutions need at least SSE4.1` }),
  };
}

// Frees native handles whose op was garbage-collected without dispose().
const finalizer = new FinalizationRegistry<number>((id) => {
  loadAddon()?.int8Dispose(id);
});

class NativeInt8Op implements Int8Op {
  private disposed = false;
  constructor(
    readonly kind: 'conv2d' | 'dense',
    readonly id: number,
    readonly inShape: readonly number[],
    readonly outShape: readonly number[],
    private readonly addon: NativeAddon,
  ) {
    finalizer.register(this, id, this);
  }

  /** The handle for a run; throws once disposed. */
  handle(where: string): number {
    if (this.disposed) throw new Error(`${where}: this int8 ${this.kind} op was disposed`);
    return this.id;
  }

  impl(batch: number): string {
    return this.addon.int8Impl(this.handle('Int8Op.impl'), batch);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    finalizer.unregister(this);
    this.addon.int8Dispose(this.id);
  }
}

/** Validates the spec, quantization and weights, and prepacks the weights once. */
export function createInt8Conv(spec: Int8ConvSpec): Int8Op {
  const params = convParams(spec);
  const addon = addonOrThrow('createInt8Conv');
  const id = addon.int8ConvCreate(params, spec.weights, spec.weightScales, spec.bias ?? null, spec.input.scale);
  const { outH, outW } = convOutSize(spec);
  return new NativeInt8Op('conv2d', id, [spec.inH, spec.inW, spec.inC], [outH, outW, spec.outC], addon);
}

export function createInt8Dense(spec: Int8DenseSpec): Int8Op {
  const params = denseParams(spec);
  const addon = addonOrThrow('createInt8Dense');
  const id = addon.int8DenseCreate(params, spec.weights, spec.weightScales, spec.bias ?? null, spec.input.scale);
  return new NativeInt8Op('dense', id, [spec.inFeatures], [spec.outFeatures], addon);
}

function nativeOp(where: string, op: Int8Op, kind: Int8Op['kind']): NativeInt8Op {
  if (!(op instanceof NativeInt8Op)) throw new TypeError(`${where}: op must come from createInt8${kind === 'conv2d' ? 'Conv' : 'Dense'}`);
  if (op.kind !== kind) throw new TypeError(`${where}: op is an int8 ${op.kind} op, expected ${kind}`);
  const backend = getBackend();
  if (backend !== NATIVE_BACKEND_NAME || !getKernel(INT8_KERNELS[kind], NATIVE_BACKEND_NAME)) {
    throw new Error(`${where}: int8 inference needs the native backend (registerNativeBackend() and tf.setBackend('native')); the current backend is '${backend}'`);
  }
  return op;
}

function shapeText(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

/** tfjs-level: float32 NHWC tensor in, float32 out = act(dequant(conv(quant(x), w)) + bias). Works inside tf.tidy. */
export function int8Conv2d(x: Tensor4D, op: Int8Op): Tensor4D {
  const where = 'int8Conv2d';
  const o = nativeOp(where, op, 'conv2d');
  const [n, ...rest] = x.shape;
  if (x.rank !== 4 || rest.some((d, i) => d !== o.inShape[i]) || n < 1) {
    throw new RangeError(`${where}: x has shape ${shapeText(x.shape)}, the op expects [n, ${o.inShape.join(', ')}]`);
  }
  if (x.dtype !== 'float32') throw new TypeError(`${where}: x must be float32, got ${x.dtype}`);
  const attrs = { opId: o.handle(where), batch: n, outShape: [n, ...o.outShape] };
  return engine().runKernel(INT8_KERNELS.conv2d, { x }, attrs) as Tensor4D;
}

/** x [..., inFeatures] (any rank ≥ 2, flattened to rows), float32 out [..., outFeatures]. */
export function int8Dense(x: Tensor, op: Int8Op): Tensor {
  const where = 'int8Dense';
  const o = nativeOp(where, op, 'dense');
  const lead = x.shape.slice(0, -1);
  const rows = lead.reduce((p, d) => p * d, 1);
  if (x.rank < 2 || x.shape[x.rank - 1] !== o.inShape[0] || rows < 1) {
    throw new RangeError(`${where}: x has shape ${shapeText(x.shape)}, the op expects [..., ${o.inShape[0]}] (rank >= 2)`);
  }
  if (x.dtype !== 'float32') throw new TypeError(`${where}: x must be float32, got ${x.dtype}`);
  const attrs = { opId: o.handle(where), batch: rows, outShape: [...lead, o.outShape[0]] };
  return engine().runKernel(INT8_KERNELS.dense, { x }, attrs) as Tensor;
}
