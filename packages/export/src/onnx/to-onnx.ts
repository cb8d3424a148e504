import * as tf from '@tensorflow/tfjs';
import { onnx } from 'onnx-proto';
import { ExportError } from '../errors';
import { layerError, type ConvertContext } from './converter';
import { getOnnxConverter } from './converters';
import { OnnxGraph, type Value } from './graph';

/** Opset 17: the first with LayerNormalization; onnxruntime 1.16 runs up to 19. */
export const ONNX_OPSET = 17;
/** IR version 8 goes with opsets 15–18. */
export const ONNX_IR_VERSION = 8;
export const ONNX_INPUT = 'input';

export interface ToOnnxOptions {
  /** Append Softmax so the graph outputs probabilities (default false: logits, like the tfjs model). */
  softmax?: boolean;
  /** Graph output name (default `probabilities` with softmax, else `logits`). */
  outputName?: string;
  /** `producer_version` etc. go in the model; doc string of the graph. */
  docString?: string;
}

function valueInfo(name: string, shape: (number | null)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((d, i) => (d === null ? { dimParam: i === 0 ? 'N' : `d${i}` } : { dimValue: d })) },
      },
    },
  };
}

/** Weights of a layer by short name, read once. */
function weightReader(layer: tf.layers.Layer): ConvertContext['maybeWeight'] {
  const vars = layer.weights;
  let values: tf.Tensor[] | undefined;
  return (short) => {
    const i = vars.findIndex((w) => {
      const n = (w as unknown as { originalName?: string }).originalName ?? w.name;
      return n === short || n.endsWith(`/${short}`);
    });
    if (i < 0) return undefined;
    values ??= layer.getWeights();
    return { data: values[i].dataSync() as Float32Array, shape: [...values[i].shape] };
  };
}

/**
 * Converts a single-input, single-output tfjs LayersModel (a Kiln zoo model or any model
 * made of supported layers) to an ONNX ModelProto. The input stays NHWC like Kiln's; the
 * graph transposes to NCHW internally around Conv/Pool runs.
 */
export function toOnnxModel(net: tf.LayersModel, options: ToOnnxOptions = {}): onnx.ModelProto {
  if (net.inputs.length !== 1 || net.outputs.length !== 1) {
    throw new ExportError(`ONNX export: model '${net.name}' has ${net.inputs.length} inputs and ${net.outputs.length} outputs; one of each is supported`);
  }
  const g = new OnnxGraph();
  const values = new Map<number, Value>();
  const input = net.inputs[0];
  const outputName = options.outputName ?? (options.softmax ? 'probabilities' : 'logits');
  g.reserve(ONNX_INPUT);
  g.reserve(outputName);
  values.set(input.id, { name: ONNX_INPUT, shape: [...input.shape], layout: 'keras' });

  for (const layer of net.layers) {
    const className = layer.getClassName();
    if (className === 'InputLayer') continue;
    const nodes = (layer as unknown as { inboundNodes: Array<{ inputTensors: tf.SymbolicTensor[]; outputTensors: tf.SymbolicTensor[] }> }).inboundNodes;
    const used = nodes.filter((n) => n.outputTensors.some((t) => !values.has(t.id)) && n.inputTensors.every((t) => values.has(t.id)));
    if (used.length === 0) throw layerError(layer, 'its inputs are not part of this model (nested or shared models are not supported)');
    if (used.length > 1) throw layerError(layer, 'a layer called more than once (shared weights) is not supported');
    const node = used[0];
    if (node.outputTensors.length !== 1) throw layerError(layer, `${node.outputTensors.length} outputs are not supported`);
    const converter = getOnnxConverter(className);
    if (!converter) throw layerError(layer, 'no ONNX converter for this layer class (supported: see onnxConverterClasses())');
    const maybeWeight = weightReader(layer);
    const ctx: ConvertContext = {
      layer,
      config: layer.getConfig() as Record<string, any>,
      inputs: node.inputTensors.map((t) => values.get(t.id)!),
      outputShape: [...node.outputTensors[0].shape],
      graph: g,
      maybeWeight,
      weight: (short) => maybeWeight(short) ?? ctx.fail(`has no weight '${short}'`),
      fail: (reason) => {
        throw layerError(layer, reason);
      },
    };
    let out: Value;
    try {
      out = converter(ctx);
    } catch (err) {
      if (err instanceof ExportError) throw err;
      throw layerError(layer, (err as Error).message);
    }
    values.set(node.outputTensors[0].id, out);
  }

  const last = values.get(net.outputs[0].id);
  if (!last) throw new ExportError(`ONNX export: model '${net.name}': its output was not produced by its layers`);
  let result = g.keras(last);
  if (options.softmax) result = { ...result, name: g.node('Softmax', [result.name], `${outputName}_softmax`, { axis: { i: -1 } }) };
  // A fixed, documented output name.
  const outName = g.nodeTo('Identity', [result.name], outputName);

  const graph: onnx.IGraphProto = {
    name: net.name,
    node: g.nodes,
    initializer: g.initializers,
    input: [valueInfo(ONNX_INPUT, [...input.shape])],
    output: [valueInfo(outName, [...net.outputs[0].shape])],
    docString: options.docString,
  };
  return onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'kiln',
    producerVersion: '0.1.0',
    graph,
  });
}

/** The serialised ONNX model (protobuf bytes). */
export function toOnnx(net: tf.LayersModel, options: ToOnnxOptions = {}): Uint8Array {
  return onnx.ModelProto.encode(toOnnxModel(net, options)).finish();
}
