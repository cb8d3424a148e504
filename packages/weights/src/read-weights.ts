import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { WeightsFormatError } from './errors';
import { readOnnxInitializers } from './onnx';
import { readSafetensors } from './safetensors';
import type { TensorMap } from './tensor-map';
import { readTorch } from './torch';

export type WeightsFormat = 'safetensors' | 'torch' | 'onnx';

/** The format by extension (.safetensors, .pth/.pt/.bin, .onnx). */
export function weightsFormatOf(path: string): WeightsFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.safetensors') return 'safetensors';
  if (ext === '.pth' || ext === '.pt' || ext === '.bin' || ext === '.ckpt') return 'torch';
  if (ext === '.onnx') return 'onnx';
  throw new WeightsFormatError(`${path}: unknown weights format '${ext || '(no extension)'}' (expected .safetensors, .pth/.pt or .onnx)`);
}

/** Reads a weights file into a {@link TensorMap}; errors name the file and what is wrong. */
export function readWeightsFile(path: string): TensorMap {
  const format = weightsFormatOf(path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new WeightsFormatError(`cannot read weights file ${path}: ${(err as Error).message}`, { cause: err });
  }
  return readWeightsBytes(bytes, format, path);
}

export function readWeightsBytes(bytes: Uint8Array, format: WeightsFormat, source: string): TensorMap {
  switch (format) {
    case 'safetensors':
      return readSafetensors(bytes, source).tensors;
    case 'torch':
      return readTorch(bytes, source);
    case 'onnx':
      return readOnnxInitializers(bytes, source);
  }
}
