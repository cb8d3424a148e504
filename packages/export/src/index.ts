// Public API of @kiln/export (named exports only).
export { exportModel, EXPORT_FORMATS, ONNX_MODEL_FILE } from './export-model';
export type { ExportFormat, ExportOptions, ExportResult } from './export-model';
export { ExportError } from './errors';
export { resolveCheckpointFile, loadExportSource } from './checkpoint-source';
export type { ExportSource } from './checkpoint-source';
export { KILN_JSON, buildManifest } from './kiln-json';
export type { KilnExportManifest } from './kiln-json';
export { writeLayersModel, TFJS_MODEL_JSON, DEFAULT_SHARD_BYTES } from './tfjs/write-layers-model';
export { withSoftmax, endsInSoftmax } from './tfjs/with-softmax';
export { toOnnx, toOnnxModel, ONNX_OPSET, ONNX_IR_VERSION, ONNX_INPUT } from './onnx/to-onnx';
export type { ToOnnxOptions } from './onnx/to-onnx';
export { getOnnxConverter, registerOnnxConverter, onnxConverterClasses } from './onnx/converters';
export type { LayerConverter, ConvertContext } from './onnx/converter';
export { OnnxGraph, onnxAxis } from './onnx/graph';
export type { Value, Layout, Attr } from './onnx/graph';
export { ExportCallback } from './export-callback';
export type { ExportCallbackOptions } from './export-callback';
export { register } from './register';
