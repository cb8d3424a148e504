import * as tf from '@tensorflow/tfjs';
import { onnx } from 'onnx-proto';
import { ExportError } from '../errors';
import { layersModelFiles, TFJS_MODEL_JSON, type LayersModelOptions } from '../tfjs/write-layers-model';
import type { BatchSource, CalibrationMethod } from './calibrate';
import { tfjsScorer, type Scorer } from './evaluate';
import { OrtRunner } from './ort';
import { quantizeOnnx } from './quantize-onnx';
import { buildQuantReport, type QuantReport } from './report';
import { quantizeTfjsWeights, type TfjsQuantizeMode } from './tfjs-weights';

export const QUANTIZE_MODES = { onnx: ['int8', 'dynamic'], tfjs: ['uint8', 'float16'] } as const;
export type QuantizeMode = (typeof QUANTIZE_MODES)[keyof typeof QUANTIZE_MODES][number];

export interface QuantizeOptions {
  /** onnx: `int8` (static QDQ, calibrated) or `dynamic` (int8 weights only); tfjs: `uint8` or `float16` weights. */
  mode: QuantizeMode;
  /** Calibration images (onnx int8): the run's training batches. */
  calibration?: BatchSource;
  /** Calibration batches to use (default 32). */
  calibrationBatches?: number;
  calibrationMethod?: CalibrationMethod;
  percentile?: number;
  /** onnx: 7-bit weights (default true), which non-VNNI x86 int8 kernels need to avoid int16 saturation; false = full [-127, 127]. */
  reduceRange?: boolean;
  /** Labelled images for the quality report (the validation split); without them no agreement/accuracy is measured. */
  evaluation?: BatchSource;
  evaluationSplit?: string;
}

/** Fails unless `mode` is one of `format`'s quantizations. */
export function checkQuantizeMode(format: 'onnx' | 'tfjs', mode: string): asserts mode is QuantizeMode {
  const modes = QUANTIZE_MODES[format] as readonly string[];
  if (!modes.includes(mode)) throw new ExportError(`quantize '${mode}' is not available for ${format} (${format}: ${modes.join(', ')})`);
}

const total = (files: Map<string, Uint8Array>) => [...files.values()].reduce((s, b) => s + b.byteLength, 0);

/** The quantized ONNX bytes and their report, from the float ModelProto of `net`. */
export async function quantizedOnnxFile(net: tf.LayersModel, model: onnx.ModelProto, input: string, q: QuantizeOptions): Promise<{ bytes: Uint8Array; report: QuantReport }> {
  const fp32Bytes = onnx.ModelProto.encode(model).finish().byteLength;
  const r = await quantizeOnnx(model, q.mode as 'int8' | 'dynamic', {
    calibration: q.calibration,
    batches: q.calibrationBatches,
    method: q.calibrationMethod,
    percentile: q.percentile,
    reduceRange: q.reduceRange,
    input,
  });
  const bytes = onnx.ModelProto.encode(r.model).finish();
  // Checked in onnxruntime before anything is written: a graph it rejects is an error here.
  const runner = await OrtRunner.create(bytes, input);
  try {
    const output = runner.outputNames[0];
    const quantizedScorer: Scorer = async (images, shape) => (await runner.run(images, shape))[output];
    const report = await buildQuantReport({
      format: 'onnx',
      quantize: q.mode,
      fp32Bytes,
      quantizedBytes: bytes.byteLength,
      quantizedWeights: r.quantized.length,
      activations: r.activations.length,
      weightRange: q.reduceRange === false || q.mode === 'dynamic' ? '[-127, 127]' : '[-63, 63] (reduce range)',
      foldedBatchNorms: r.foldedBatchNorms,
      fp32: r.fp32,
      ...(r.calibration ? { calibration: r.calibration } : {}),
      fp32Scorer: tfjsScorer(net),
      quantizedScorer,
      evaluation: q.evaluation,
      evaluationSplit: q.evaluationSplit,
    });
    return { bytes, report };
  } finally {
    await runner.release();
  }
}

/** The tfjs folder with quantized weights, and its report (the float model `net` is the reference). */
export async function quantizedTfjsFiles(net: tf.LayersModel, options: LayersModelOptions, q: QuantizeOptions): Promise<{ files: Map<string, Uint8Array>; report: QuantReport }> {
  const mode = q.mode as TfjsQuantizeMode;
  let quantizedWeights = 0;
  const files = await layersModelFiles(net, {
    ...options,
    transformWeights: (specs, data) => {
      const out = quantizeTfjsWeights(specs, data, mode);
      quantizedWeights = out.specs.filter((s) => s.quantization).length;
      return out;
    },
  });
  const fp32Bytes = total(await layersModelFiles(net, options));
  // Loaded back from the bytes about to be written, as tf.loadLayersModel does (it dequantizes).
  const json = JSON.parse(new TextDecoder().decode(files.get(TFJS_MODEL_JSON)!)) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
  const manifest = json.weightsManifest[0];
  const data = new Uint8Array(manifest.paths.reduce((s, p) => s + files.get(p)!.byteLength, 0));
  let at = 0;
  for (const p of manifest.paths) {
    data.set(files.get(p)!, at);
    at += files.get(p)!.byteLength;
  }
  const loaded = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: manifest.weights, weightData: data.buffer }));
  try {
    const report = await buildQuantReport({
      format: 'tfjs',
      quantize: mode,
      fp32Bytes,
      quantizedBytes: total(files),
      quantizedWeights,
      fp32Scorer: tfjsScorer(net),
      quantizedScorer: tfjsScorer(loaded),
      evaluation: q.evaluation,
      evaluationSplit: q.evaluationSplit,
    });
    return { files, report };
  } finally {
    loaded.dispose();
  }
}
