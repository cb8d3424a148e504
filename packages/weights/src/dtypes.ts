import { WeightsFormatError } from './errors';
import type { TensorData, WeightDType } from './tensor-map';

export const DTYPE_BYTES: Record<WeightDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export function isWeightDType(s: unknown): s is WeightDType {
  return typeof s === 'string' && Object.hasOwn(DTYPE_BYTES, s);
}

/** IEEE half → float (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Decodes `count` little-endian values of `dtype` from `bytes` (a view of them when aligned: callers must not
 * write to the result while they use `bytes`).
 * F16 and BF16 widen to float32.
 */
export function decodeValues(bytes: Uint8Array, dtype: WeightDType, count: number, what: string): TensorData {
  const need = count * DTYPE_BYTES[dtype];
  if (bytes.byteLength !== need) throw new WeightsFormatError(`${what}: ${count} ${dtype} values need ${need} bytes, found ${bytes.byteLength}`);
  // A view when the bytes are aligned for the element type (torch's zip entries are 64-byte aligned, a
  // read file's Buffer starts at 0), else a copy (memcpy via Uint8Array#slice; Buffer#slice is a view).
  const size = DTYPE_BYTES[dtype];
  const src = (bytes.byteOffset % size === 0 ? bytes : Uint8Array.prototype.slice.call(bytes)) as Uint8Array;
  switch (dtype) {
    case 'F32':
      return new Float32Array(src.buffer, src.byteOffset, count);
    case 'F64':
      return new Float64Array(src.buffer, src.byteOffset, count);
    case 'I64':
      return new BigInt64Array(src.buffer, src.byteOffset, count);
    case 'I32':
      return new Int32Array(src.buffer, src.byteOffset, count);
    case 'I16':
      return new Int16Array(src.buffer, src.byteOffset, count);
    case 'I8':
      return new Int8Array(src.buffer, src.byteOffset, count);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(src.buffer, src.byteOffset, count);
    case 'F16': {
      const h = new Uint16Array(src.buffer, src.byteOffset, count);
      return Float32Array.from(h, halfToFloat);
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const h = new Uint16Array(src.buffer, src.byteOffset, count);
      const out = new Uint32Array(h.length);
      for (let i = 0; i < h.length; i++) out[i] = h[i] << 16;
      return new Float32Array(out.buffer);
    }
  }
}
