import type { Int8Input } from '@kiln/contracts';
import { QuantizeError } from './errors';

export type { Int8Input, Int8InputType } from '@kiln/contracts';

export interface TensorRange {
  min: number;
  max: number;
}

/** Symmetric per-channel int8 ([-qmax, qmax], zero point 0), the layout int8 GEMM/conv kernels expect. */
export function quantizePerChannel(data: Float32Array, dims: number[], axis: number, qmax = 127): { q: Int8Array; scale: Float32Array } {
  const channels = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  const maxAbs = new Float32Array(channels);
  for (let i = 0; i < data.length; i++) maxAbs[channelOf(i)] = Math.max(maxAbs[channelOf(i)], Math.abs(data[i]));
  // An all-zero channel keeps scale 1 (its values are 0 either way); scales must be positive.
  const scale = maxAbs.map((m) => (m > 0 ? m / qmax : 1));
  const q = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) q[i] = Math.max(-qmax, Math.min(qmax, Math.round(data[i] / scale[channelOf(i)])));
  return { q, scale };
}

function checkFinite(range: TensorRange): void {
  if (!Number.isFinite(range.min) || !Number.isFinite(range.max)) throw new QuantizeError(`calibration range [${range.min}, ${range.max}] is not finite`);
}

/** Asymmetric int8 for an activation range (0 always representable, as ONNX requires for padding). */
export function activationParams(range: TensorRange): { scale: number; zeroPoint: number } {
  checkFinite(range);
  const lo = Math.min(0, range.min);
  const hi = Math.max(0, range.max);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  return { scale, zeroPoint: Math.max(-128, Math.min(127, Math.round(-128 - lo / scale))) };
}

/**
 * Zero-point-0 input quantization, what oneDNN's int8 convs take without a compensation pass:
 * u8 [0, 255] when the range never goes below 0 (after a ReLU), else s8 symmetric [-127, 127].
 */
export function int8InputParams(range: TensorRange): Int8Input {
  checkFinite(range);
  if (range.min >= 0) return { type: 'u8', scale: range.max > 0 ? range.max / 255 : 1 };
  const m = Math.max(-range.min, Math.abs(range.max));
  return { type: 's8', scale: m > 0 ? m / 127 : 1 };
}

/** Largest weight magnitude: 63 (7 bits) where u8·s8 pairs are summed in int16 (AVX2 without VNNI), else 127. */
export function weightQmax(reduceRange: boolean): number {
  return reduceRange ? 63 : 127;
}
