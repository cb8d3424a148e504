import type { ExportSource } from './checkpoint-source';

export const KILN_JSON = 'kiln.json';

/** What `kiln.json` holds: everything an app needs to feed the exported model like Kiln does. */
export interface KilnExportManifest {
  format: 'kiln-export';
  version: 1;
  /** `tfjs` or `onnx`, and the model file inside the folder. */
  model: { format: 'tfjs' | 'onnx'; file: string; name: string };
  input: {
    /** Tensor layout of the model input; Kiln is NHWC everywhere (ONNX export too). */
    layout: 'NHWC';
    dtype: 'float32';
    height: number;
    width: number;
    channels: 1 | 3;
    /** The ONNX graph input name (tfjs models take the tensor directly). */
    name?: string;
  };
  preprocessing: {
    /** How an image of another size becomes height × width (stretch, pad with black keeping aspect, centre-crop). */
    resize: 'stretch' | 'pad' | 'crop';
    /** Pixels as 8-bit sRGB, alpha flattened onto black; 1 channel = BT.601 luma round(0.299 R + 0.587 G + 0.114 B). */
    colorSpace: 'srgb';
    /** value = (pixel / 255 - mean[c]) / std[c], per channel, HWC order. */
    scale: number;
    mean: number[];
    std: number[];
  };
  /** `probabilities` (softmax included in the model) or raw `logits`. */
  output: 'probabilities' | 'logits';
  classes: string[];
  /** Quantized exports only: the quantization and its quality report file. */
  quantization?: { mode: string; report: string };
  source: { checkpoint: string; epoch: number; globalStep: number; exportedAt: string };
}

export function buildManifest(
  src: ExportSource,
  model: KilnExportManifest['model'],
  output: KilnExportManifest['output'],
  inputName?: string,
): KilnExportManifest {
  const p = src.processor;
  return {
    format: 'kiln-export',
    version: 1,
    model,
    input: {
      layout: 'NHWC',
      dtype: 'float32',
      height: p.size[0],
      width: p.size[1],
      channels: p.channels,
      ...(inputName ? { name: inputName } : {}),
    },
    preprocessing: { resize: p.resize, colorSpace: 'srgb', scale: 1 / 255, mean: [...(p.mean ?? [])], std: [...(p.std ?? [])] },
    output,
    classes: [...src.classes],
    source: { checkpoint: src.checkpoint, epoch: src.epoch, globalStep: src.globalStep, exportedAt: new Date().toISOString() },
  };
}
