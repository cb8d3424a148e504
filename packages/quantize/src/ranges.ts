import type { TensorRange } from './quant-math';

/**
 * Calibration settings and range bookkeeping shared by Kiln's int8 inference (`calibrateInt8`)
 * and `@kiln/export`'s ONNX calibration: one definition of the methods, defaults and maths.
 */
export const CALIBRATION_METHODS = ['minmax', 'percentile'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];
export const DEFAULT_CALIBRATION_BATCHES = 32;
export const DEFAULT_PERCENTILE = 99.99;

/** Processed images (NHWC, normalised, as the data module yields them), labels when known. */
export interface ImageBatch {
  images: Float32Array;
  shape: readonly number[];
  labels?: Int32Array;
}
export type BatchSource = AsyncIterable<ImageBatch> | Iterable<ImageBatch>;

export interface CalibrationSettings {
  /** Batches to read (default 32). */
  batches?: number;
  /** `minmax` (default): the extremes seen; `percentile`: the mean over batches of each batch's lower/upper percentile, which ignores rare outliers. */
  method?: CalibrationMethod;
  /** Upper percentile for `percentile` (default 99.99; the lower one is 100 − it). */
  percentile?: number;
}

/** The settings with defaults, checked; `fail` builds the caller's error type. */
export function resolveCalibration(s: CalibrationSettings, fail: (message: string) => Error): { batches: number; method: CalibrationMethod; upper: number } {
  const batches = s.batches ?? DEFAULT_CALIBRATION_BATCHES;
  if (!Number.isInteger(batches) || batches < 1) throw fail(`calibration batches must be a positive integer, got ${batches}`);
  const method = s.method ?? 'minmax';
  if (!(CALIBRATION_METHODS as readonly string[]).includes(method)) throw fail(`unknown calibration method '${method}' (methods: ${CALIBRATION_METHODS.join(', ')})`);
  const upper = s.percentile ?? DEFAULT_PERCENTILE;
  if (!(upper > 50 && upper <= 100)) throw fail(`percentile must be in (50, 100], got ${upper}`);
  return { batches, method, upper };
}

/** Lower and upper percentile of `v`, from a strided sample of at most `sample` values, sorted. */
export function percentileRange(v: Float32Array, upper: number, sample: number): TensorRange {
  const step = Math.max(1, Math.floor(v.length / sample));
  const s = new Float32Array(Math.ceil(v.length / step));
  for (let i = 0, j = 0; i < v.length; i += step, j++) s[j] = v[i];
  s.sort();
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.round((p / 100) * (s.length - 1))))];
  return { min: at(100 - upper), max: at(upper) };
}

/** Per-tensor ranges over calibration batches: the extremes (minmax) or the mean of per-batch percentiles. */
export class RangeAccumulator {
  private readonly sums = new Map<string, TensorRange>();
  constructor(private readonly method: CalibrationMethod) {}

  add(name: string, r: TensorRange): void {
    const prev = this.sums.get(name);
    if (!prev) this.sums.set(name, r);
    else if (this.method === 'minmax') this.sums.set(name, { min: Math.min(prev.min, r.min), max: Math.max(prev.max, r.max) });
    else this.sums.set(name, { min: prev.min + r.min, max: prev.max + r.max });
  }

  /** The ranges after `batches` batches. */
  ranges(batches: number): Map<string, TensorRange> {
    const out = new Map<string, TensorRange>();
    for (const [name, r] of this.sums) out.set(name, this.method === 'minmax' ? r : { min: r.min / batches, max: r.max / batches });
    return out;
  }
}
