import { onnx } from 'onnx-proto';
import { ExportError } from '../errors';
import { OrtRunner } from './ort';
import { percentileRange, RangeAccumulator, resolveCalibration, type BatchSource, type CalibrationMethod, type CalibrationSettings, type TensorRange } from '@kiln/quantize';

export { CALIBRATION_METHODS, DEFAULT_CALIBRATION_BATCHES, DEFAULT_PERCENTILE } from '@kiln/quantize';
export type { BatchSource, CalibrationMethod, ImageBatch } from '@kiln/quantize';

export interface CalibrationOptions extends CalibrationSettings {
  /** Graph input name. */
  input: string;
}

export interface CalibrationResult {
  ranges: Map<string, TensorRange>;
  batches: number;
  images: number;
  method: CalibrationMethod;
}

// Percentiles from a strided sample of at most 2^20 values per tensor.
const SAMPLE = 1 << 20;

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
  const { batches: maxBatches, method, upper } = resolveCalibration(options, (m) => new ExportError(m));

  const augmented = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const graph = augmented.graph!;
  graph.output ??= [];
  const existing = new Set(graph.output.map((o) => o.name));
  for (const t of tensors) if (!existing.has(t)) graph.output!.push({ name: t, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } } });
  const runner = await OrtRunner.create(onnx.ModelProto.encode(augmented).finish(), options.input);

  const sums = new RangeAccumulator(method);
  let batches = 0;
  let images = 0;
  try {
    for await (const batch of source) {
      const outs = await runner.run(batch.images, batch.shape);
      for (const t of tensors) {
        const r = method === 'minmax' ? extremes(outs[t]) : percentileRange(outs[t], upper, SAMPLE);
        if (!Number.isFinite(r.min) || !Number.isFinite(r.max)) throw new ExportError(`calibration: tensor '${t}' is not finite on calibration batch ${batches + 1}`);
        sums.add(t, r);
      }
      batches++;
      images += batch.shape[0];
      if (batches >= maxBatches) break;
    }
  } finally {
    await runner.release();
  }
  if (batches === 0) throw new ExportError('int8 calibration: the calibration split gave no batches (it is empty); static int8 needs images to set activation ranges');
  const ranges = sums.ranges(batches);
  return { ranges, batches, images, method };
}
