import type * as tf from '@tensorflow/tfjs';

/** tfjs-converter's weight quantizations: affine uint8 (per tensor) or float16. */
export const TFJS_QUANTIZE = ['uint8', 'float16'] as const;
export type TfjsQuantizeMode = (typeof TFJS_QUANTIZE)[number];

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half bits of `v`, rounded to nearest even (overflow → ±Inf, tiny → subnormal/0). */
export function toFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++;
  return sign | h;
}

/**
 * tfjs-converter's affine uint8: the range widened to hold 0 and nudged so 0 is exact
 * (zero biases and padding stay zero); value = q·scale + min.
 */
export function uint8Params(data: Float32Array): { min: number; scale: number } {
  let lo = 0;
  let hi = 0;
  for (const v of data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi === lo) return { min: lo, scale: 1 };
  const scale = (hi - lo) / 255;
  return { min: -Math.round(-lo / scale) * scale, scale };
}

/**
 * Rewrites saved weights as tfjs-converter does for `--quantize_uint8` / `--quantize_float16`:
 * each float32 entry gets `quantization: {dtype, min, scale}` and 1 (2) bytes
 * per value; int32 weights are kept. `tf.loadLayersModel` dequantizes on load.
 */
export function quantizeTfjsWeights(specs: tf.io.WeightsManifestEntry[], data: Uint8Array, mode: TfjsQuantizeMode): { specs: tf.io.WeightsManifestEntry[]; data: Uint8Array } {
  const parts: Uint8Array[] = [];
  const out: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.quantization) throw new Error(`weight '${spec.name}' is already quantized`);
    const bytes = 4 * count;
    const raw = data.slice(offset, offset + bytes);
    offset += bytes;
    if (spec.dtype !== 'float32') {
      parts.push(raw);
      out.push(spec);
      continue;
    }
    const values = new Float32Array(raw.buffer, 0, count);
    if (mode === 'float16') {
      const h = new Uint16Array(count);
      for (let i = 0; i < count; i++) h[i] = toFloat16Bits(values[i]);
      parts.push(new Uint8Array(h.buffer));
      out.push({ ...spec, quantization: { dtype: 'float16' } });
    } else {
      const { min, scale } = uint8Params(values);
      const q = new Uint8Array(count);
      for (let i = 0; i < count; i++) q[i] = Math.max(0, Math.min(255, Math.round((values[i] - min) / scale)));
      parts.push(q);
      out.push({ ...spec, quantization: { dtype: 'uint8', min, scale } });
    }
  }
  if (offset !== data.byteLength) throw new Error(`weight data has ${data.byteLength} bytes, the specs describe ${offset}`);
  const joined = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    joined.set(p, at);
    at += p.byteLength;
  }
  return { specs: out, data: joined };
}
