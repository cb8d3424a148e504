import { backend_util, type DataType, type TensorInfo } from '@tensorflow/tfjs-core';
import { BINARY, UNARY } from '../op-codes.js';
import { allocFor, f32, output, sizeOf, vals, type NativeArgs } from '../kernel-util.js';

const COMPARE = new Set<number>([BINARY.Equal, BINARY.NotEqual, BINARY.Greater, BINARY.GreaterEqual, BINARY.Less, BINARY.LessEqual]);
const LOGICAL = new Set<number>([BINARY.LogicalAnd, BINARY.LogicalOr]);

/** Element strides of `shape` broadcast to `out` (0 on broadcast dims). */
function stridesFor(shape: readonly number[], out: readonly number[]): number[] {
  const padded = [...Array(out.length - shape.length).fill(1), ...shape] as number[];
  const st = new Array<number>(out.length);
  let acc = 1;
  for (let d = out.length - 1; d >= 0; d--) {
    st[d] = padded[d] === 1 && out[d] !== 1 ? 0 : acc;
    acc *= padded[d];
  }
  return st;
}

/** Collapsed (shape, strides) for a general broadcasting binary op. */
export function broadcastStrides(aShape: readonly number[], bShape: readonly number[], out: readonly number[]) {
  const sa = stridesFor(aShape, out), sb = stridesFor(bShape, out);
  const shape: number[] = [], stA: number[] = [], stB: number[] = [];
  for (let d = 0; d < out.length; d++) {
    if (out[d] === 1) continue;
    const k = shape.length - 1;
    if (k >= 0 && stA[k] === sa[d] * out[d] && stB[k] === sb[d] * out[d]) {
      shape[k] *= out[d];
      stA[k] = sa[d];
      stB[k] = sb[d];
    } else {
      shape.push(out[d]);
      stA.push(sa[d]);
      stB.push(sb[d]);
    }
  }
  if (shape.length === 0) shape.push(1), stA.push(0), stB.push(0);
  return { shape: Int32Array.from(shape), stridesA: Int32Array.from(stA), stridesB: Int32Array.from(stB) };
}

/** Input dtype each op family accepts natively. */
function accepts(op: number, dtype: DataType): boolean {
  if (LOGICAL.has(op)) return dtype === 'bool';
  if (COMPARE.has(op)) return dtype === 'float32' || dtype === 'int32';
  return dtype === 'float32';
}

/** Runs a broadcasting binary op into a fresh tensor (null when unsupported). */
export function runBinary(args: Pick<NativeArgs, 'backend' | 'addon'>, op: number, a: TensorInfo, b: TensorInfo): TensorInfo | null {
  const { backend, addon } = args;
  if (a.dtype !== b.dtype || !accepts(op, a.dtype)) return null;
  const av = vals(backend, a), bv = vals(backend, b);
  if (!av || !bv) return null;
  const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const outDtype: DataType = COMPARE.has(op) || LOGICAL.has(op) ? 'bool' : 'float32';
  const out = allocFor(backend, outDtype, sizeOf(outShape));
  const { shape, stridesA, stridesB } = broadcastStrides(a.shape, b.shape, outShape);
  if (out.length > 0) addon.binaryStrided(op, av, bv, out, shape, stridesA, stridesB);
  return backend.makeTensorInfo(outShape, outDtype, out);
}

export function binaryKernel(op: number) {
  return ({ inputs, backend, addon }: NativeArgs) => {
    const { a, b } = inputs;
    return a && b ? runBinary({ backend, addon }, op, a, b) : null;
  };
}

/** Unary float kernels; attrs give LeakyRelu's alpha, Step's alpha, ClipByValue's bounds. */
export function unaryKernel(op: number) {
  return ({ inputs, backend, attrs, addon }: NativeArgs) => {
    const x = inputs.x;
    const xv = f32(backend, x);
    if (!x || !xv) return null;
    let alpha = 0, beta = 0;
    if (op === UNARY.LeakyRelu) alpha = (attrs.alpha as number | undefined) ?? 0.2;
    else if (op === UNARY.Step) alpha = (attrs.alpha as number | undefined) ?? 0;
    else if (op === UNARY.ClipByValue) {
      alpha = attrs.clipValueMin as number;
      beta = attrs.clipValueMax as number;
    }
    const out = backend.alloc(xv.length);
    addon.unary(op, xv, out, alpha, beta);
    return output(backend, [...x.shape], out);
  };
}

/** Select(condition, t, e): condition bool with t's shape, or rank 1 over t's first dim. */
export function select({ inputs, backend, addon }: NativeArgs) {
  const { condition, t, e } = inputs;
  if (!condition || !t || !e || condition.dtype !== 'bool') return null;
  const cv = vals(backend, condition), tv = f32(backend, t), ev = f32(backend, e);
  if (!(cv instanceof Uint8Array) || !tv || !ev || tv.length !== ev.length) return null;
  const n = tv.length;
  if (!(cv.length === n || (condition.shape.length === 1 && condition.shape[0] === (t.shape[0] ?? 1)))) return null;
  const out = backend.alloc(n);
  if (n > 0) addon.select(cv, tv, ev, out);
  return output(backend, [...t.shape], out);
}

/** Cast between float32, int32 and bool (same dtype: shares the data, as tfjs-cpu). */
export function cast({ inputs, backend, attrs, addon }: NativeArgs) {
  const x = inputs.x;
  const dtype = attrs.dtype as DataType;
  const xv = vals(backend, x);
  if (!x || !xv || !(dtype === 'float32' || dtype === 'int32' || dtype === 'bool')) return null;
  if (x.dtype === dtype) {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype };
  }
  const out = allocFor(backend, dtype, xv.length);
  addon.cast(xv, out, dtype === 'bool');
  return backend.makeTensorInfo([...x.shape], dtype, out);
}

function filled(args: NativeArgs, shape: number[], dtype: DataType, value: number): TensorInfo | null {
  if (!(dtype === 'float32' || dtype === 'int32' || dtype === 'bool')) return null;
  const out = allocFor(args.backend, dtype, sizeOf(shape));
  args.addon.fill(out, value);
  return args.backend.makeTensorInfo(shape, dtype, out);
}

export const zerosLike = (args: NativeArgs) => (args.inputs.x ? filled(args, [...args.inputs.x.shape], args.inputs.x.dtype, 0) : null);
export const onesLike = (args: NativeArgs) => (args.inputs.x ? filled(args, [...args.inputs.x.shape], args.inputs.x.dtype, 1) : null);
export const fill = (args: NativeArgs) => {
  const value = args.attrs.value;
  if (typeof value !== 'number') return null;
  return filled(args, [...(args.attrs.shape as number[])], (args.attrs.dtype as DataType | undefined) ?? 'float32', value);
};
