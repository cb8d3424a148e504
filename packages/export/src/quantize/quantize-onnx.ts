import { onnx } from 'onnx-proto';
import { calibrateRanges, type BatchSource, type CalibrationOptions, type CalibrationResult } from './calibrate';
import { foldBatchNorm } from './fold-batchnorm';
import { fp32Ops, type Fp32Op } from './fp32-ops';
import { activationTensors, quantizeGraph, type OnnxQuantizeMode } from './qdq';

export interface QuantizedOnnx {
  model: onnx.ModelProto;
  /** Conv/MatMul nodes with int8 weights. */
  quantized: string[];
  /** Activations with a calibrated QuantizeLinear/DequantizeLinear pair (int8 mode). */
  activations: string[];
  /** Convs that absorbed the BatchNorm after them. */
  foldedBatchNorms: string[];
  fp32: Fp32Op[];
  calibration?: Omit<CalibrationResult, 'ranges'>;
}

export interface QuantizeOnnxOptions extends Partial<CalibrationOptions> {
  /** Calibration batches (required for `int8`). */
  calibration?: BatchSource;
  /** 7-bit weights (default true; see `quantizeGraph`). */
  reduceRange?: boolean;
}

/**
 * Post-training quantization of a float ONNX model (not modified): BatchNorm folded into the
 * convs, then per-channel symmetric int8 weights (`dynamic`), plus activations calibrated on
 * `calibration` batches (`int8`), in QDQ form.
 */
export async function quantizeOnnx(model: onnx.ModelProto, mode: OnnxQuantizeMode, options: QuantizeOnnxOptions = {}): Promise<QuantizedOnnx> {
  const copy = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const graph = copy.graph!;
  const foldedBatchNorms = foldBatchNorm(graph);
  let calibration: CalibrationResult | undefined;
  if (mode === 'int8') {
    const input = options.input ?? graph.input?.[0]?.name ?? 'input';
    calibration = await calibrateRanges(copy, activationTensors(graph), options.calibration ?? [], { ...options, input });
  }
  const { quantized, activations } = quantizeGraph(graph, mode, calibration?.ranges, options.reduceRange ?? true);
  const summary = calibration ? { batches: calibration.batches, images: calibration.images, method: calibration.method } : undefined;
  return { model: copy, quantized, activations, foldedBatchNorms, fp32: fp32Ops(graph, quantized), ...(summary ? { calibration: summary } : {}) };
}
