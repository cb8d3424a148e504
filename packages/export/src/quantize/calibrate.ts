import { onnx } from 'onnx-proto';
import { ExportError } from '../errors';
import { OrtRunner } from './ort';
import type { TensorRange } from './qdq';

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

export interface CalibrationOptions {
  /** Batches to read from the source (default 32). */
  batches?: number;
  /** `minmax` (default): the extremes seen; `percentile`: the mean over batches of each batch's lower/upper percentile, which ignores rare outliers. */
  method?: CalibrationMethod;
  /** Upper percentile for `percentile` (default 99.99; the lower one is 100 − it). */
  percentile?: number;
  /** Graph input name. */
  input: string;
}

export interface CalibrationResult {
  ranges: Map<string, TensorRange>;
  batches: number;
  images: number;
  method: CalibrationMethod;
}

const SAMPLE = 1 << 20;

/** Lower and upper percentile of `v` (a strided sample of at most 2^20 values, sorted). */
function percentiles(v: Float32Array, upper: number): TensorRange {
  const step = Math.max(1, Math.floor(v.length / SAMPLE));
  const s = new Float32Array(Math.ceil(v.length / step));
  for (let i = 0, j = 0; i < v.length; i += step, j++) s[j] = v[i];
  s.sort();
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.round((p / 100) * (s.length - 1))))];
  return { min: at(100 - upper), max: at(upper) };
}

function extremes(v: Float32Array): TensorRange {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return { min, max };
}

/**
 * Runs the float model in onnxruntime on calibration batches with `tensors` added as graph
 * outputs (as onnxruntime's own calibrator does) and records each tensor's range.
 */
export async function calibrateRanges(model: onnx.ModelProto, tensors: string[], source: BatchSource, options: CalibrationOptions): Promise<CalibrationResult> {
  const maxBatches = options.batches ?? DEFAULT_CALIBRATION_BATCHES;
  if (!Number.isInteger(maxBatches) || maxBatches < 1) throw new ExportError(`calibration batches must be a positive integer, got ${maxBatches}`);
  const method = options.method ?? 'minmax';
  if (!(CALIBRATION_METHODS as readonly string[]).includes(method)) throw new ExportError(`unknown calibration method '${method}' (methods: ${CALIBRATION_METHODS.join(', ')})`);
  const upper = options.percentile ?? DEFAULT_PERCENTILE;
  if (!(upper > 50 && upper <= 100)) throw new ExportError(`percentile must be in (50, 100], got ${upper}`);

  const augmented = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const graph = augmented.graph!;
  graph.output ??= [];
  const existing = new Set(graph.output.map((o) => o.name));
  for (const t of tensors) if (!existing.has(t)) graph.output!.push({ name: t, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
  const runner = await OrtRunner.create(onnx.ModelProto.encode(augmented).finish(), options.input);

  const sums = new Map<string, TensorRange>();
  let batches = 0;
  let images = 0;
  try {
    for await (const batch of source) {
      const outs = await runner.run(batch.images, batch.shape);
      for (const t of tensors) {
        const r = method === 'minmax' ? extremes(outs[t]) : percentiles(outs[t], upper);
        if (!Number.isFinite(r.min) || !Number.isFinite(r.max)) throw new ExportError(`calibration: tensor '${t}' is not finite on calibration batch ${batches + 1}`);
        const prev = sums.get(t);
        if (!prev) sums.set(t, r);
        else if (method === 'minmax') sums.set(t, { min: Math.min(prev.min, r.min), max: Math.max(prev.max, r.max) });
        else sums.set(t, { min: prev.min + r.min, max: prev.max + r.max });
      }
      batches++;
      images += batch.shape[0];
      if (batches >= maxBatches) break;
    }
  } finally {
    await runner.release();
  }
  if (batches === 0) throw new ExportError('int8 calibration: the calibration split gave no batches (it is empty); static int8 needs images to set activation ranges');
  const ranges = new Map<string, TensorRange>();
  for (const [t, r] of sums) ranges.set(t, method === 'minmax' ? r : { min: r.min / batches, max: r.max / batches });
  return { ranges, batches, images, method };
}
