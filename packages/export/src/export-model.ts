import { join, resolve } from 'node:path';
import { onnx } from 'onnx-proto';
import { writeFileAtomic, type Registries } from '@kiln/core';
import { loadExportSource, type ExportSource } from './checkpoint-source';
import { ExportError } from './errors';
import { buildManifest, KILN_JSON, type KilnExportManifest } from './kiln-json';
import { ONNX_INPUT, toOnnxModel } from './onnx/to-onnx';
import { checkQuantizeMode, quantizedOnnxFile, quantizedTfjsFiles, type QuantizeOptions } from './quantize/quantize-export';
import { QUANT_REPORT_FILE, type QuantReport } from './quantize/report';
import { withStandardLayers } from './tfjs/standard-layers';
import { endsInSoftmax, withSoftmax } from './tfjs/with-softmax';
import { layersModelFiles, TFJS_MODEL_JSON } from './tfjs/write-layers-model';

export const EXPORT_FORMATS = ['tfjs', 'onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const ONNX_MODEL_FILE = 'model.onnx';

export interface ExportOptions {
  /** A `.ckpt` file or a run folder (its best, else last checkpoint). */
  ckpt: string;
  format: ExportFormat;
  /** Output folder (created; files of the same names are replaced). */
  out: string;
  /** `probabilities` (default: a softmax is appended, as `kiln predict` prints) or raw `logits`. */
  output?: 'probabilities' | 'logits';
  /** Registries with the run's custom models/layers (`imports:`), as for predict. */
  registries?: Registries;
  /** tfjs weight shard size in bytes (default 4 MiB). */
  shardBytes?: number;
  /** Called with the loaded checkpoint before anything is written (a caller's own checks). */
  check?: (source: ExportSource) => void;
  /** Post-training quantization (onnx: int8, dynamic; tfjs: uint8, float16), with its calibration and report data. */
  quantize?: QuantizeOptions;
}

export interface ExportResult {
  dir: string;
  checkpoint: string;
  /** Files written, relative to `dir`. */
  files: string[];
  manifest: KilnExportManifest;
  /** The quality report (also written as `model.quant.json`) of a quantized export. */
  quantization?: QuantReport;
}

/** Frees a derived model; shared layers may already be gone, which is fine. */
function disposeQuietly(net: { dispose(): unknown }): void {
  try {
    net.dispose();
  } catch {
    /* layers shared with the source model */
  }
}

function checkInputMatchesProcessor(src: ExportSource): void {
  const shape = src.net.inputs[0]?.shape ?? [];
  const [h, w] = src.processor.size;
  const want = [null, h, w, src.processor.channels];
  if (shape.length !== 4 || shape.slice(1).some((d, i) => d !== want[i + 1])) {
    throw new ExportError(
      `${src.checkpoint}: model input [${shape.slice(1)}] does not match the run's processor output [${want.slice(1)}]`,
    );
  }
}

/**
 * Exports a trained checkpoint for use outside Kiln: a TensorFlow.js LayersModel folder or
 * an ONNX file, each with `kiln.json` (input size, layout, preprocessing, classes).
 */
export async function exportModel(options: ExportOptions): Promise<ExportResult> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(options.format)) {
    throw new ExportError(`unknown export format '${options.format}' (formats: ${EXPORT_FORMATS.join(', ')})`);
  }
  const output = options.output ?? 'probabilities';
  if (output !== 'probabilities' && output !== 'logits') throw new ExportError(`output must be 'probabilities' or 'logits', got '${output}'`);
  if (options.quantize) checkQuantizeMode(options.format, options.quantize.mode);
  const dir = resolve(options.out);
  const src = await loadExportSource(options.ckpt, options.registries);
  try {
    checkInputMatchesProcessor(src);
    options.check?.(src);
    const probabilities = output === 'probabilities' || endsInSoftmax(src.net);
    const q = options.quantize;
    // Every file is made in memory first: a failure (bad layer, empty calibration split) leaves nothing behind.
    let files: Map<string, Uint8Array>;
    let manifest: KilnExportManifest;
    let report: QuantReport | undefined;
    if (options.format === 'tfjs') {
      manifest = buildManifest(src, { format: 'tfjs', file: TFJS_MODEL_JSON, name: src.net.name }, probabilities ? 'probabilities' : 'logits');
      // Kiln's own layers become built-in ones, so plain @tensorflow/tfjs loads the model.
      const standard = withStandardLayers(src.net);
      const net = output === 'probabilities' ? withSoftmax(standard.net) : standard.net;
      const metadata = { kiln: { ...manifest, rewrittenLayers: standard.rewritten } };
      try {
        if (q) ({ files, report } = await quantizedTfjsFiles(net, { shardBytes: options.shardBytes, metadata }, q));
        else files = await layersModelFiles(net, { shardBytes: options.shardBytes, metadata });
      } finally {
        if (standard.net !== src.net) disposeQuietly(standard.net);
      }
    } else {
      manifest = buildManifest(src, { format: 'onnx', file: ONNX_MODEL_FILE, name: src.net.name }, probabilities ? 'probabilities' : 'logits', ONNX_INPUT);
      const model = toOnnxModel(src.net, { softmax: output === 'probabilities' && !endsInSoftmax(src.net), docString: `Kiln export of ${src.checkpoint}` });
      let bytes: Uint8Array;
      if (q) ({ bytes, report } = await quantizedOnnxFile(src.net, model, ONNX_INPUT, q));
      else bytes = onnx.ModelProto.encode(model).finish();
      files = new Map([[ONNX_MODEL_FILE, bytes]]);
    }
    if (report) {
      manifest.quantization = { mode: report.quantize, report: QUANT_REPORT_FILE };
      files.set(QUANT_REPORT_FILE, new TextEncoder().encode(JSON.stringify(report, null, 2) + '\n'));
    }
    files.set(KILN_JSON, new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n'));
    // Shards first, the model file right before kiln.json: a reader never finds a model whose weights are missing.
    const names = [...files.keys()];
    const modelFile = manifest.model.file;
    for (const name of [...names.filter((n) => n !== modelFile && n !== KILN_JSON), modelFile, KILN_JSON]) await writeFileAtomic(join(dir, name), files.get(name)!);
    const listed = [modelFile, ...names.filter((n) => n !== modelFile && n !== KILN_JSON), KILN_JSON];
    return { dir, checkpoint: src.checkpoint, files: listed, manifest, ...(report ? { quantization: report } : {}) };
  } finally {
    disposeQuietly(src.net);
  }
}
