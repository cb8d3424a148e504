import * as tf from '@tensorflow/tfjs';
import { ExportError } from '../errors';

type Sym = tf.SymbolicTensor;

/** Rebuilds one custom-layer call from built-in tfjs layers, with the same weights. */
export type LayerRewriter = (layer: tf.layers.Layer, inputs: Sym[]) => Sym;

const weightsOf = (layer: tf.layers.Layer) => {
  const values = layer.getWeights();
  const byName = new Map(layer.weights.map((w, i) => [(w.originalName ?? w.name).split('/').pop()!, values[i]]));
  return (short: string) => {
    const t = byName.get(short);
    if (!t) throw new ExportError(`tfjs export: layer '${layer.name}' (class ${layer.getClassName()}) has no weight '${short}'`);
    return t;
  };
};

/** Builds `layer` on `input` and gives it `weights`. */
function applyWith<L extends tf.layers.Layer>(layer: L, input: Sym | Sym[], weights: tf.Tensor[] = []): Sym {
  const out = layer.apply(input) as Sym;
  if (weights.length) layer.setWeights(weights);
  return out;
}

/** Columns [from, from + n) of a [rows, cols] kernel, or elements of a bias. */
function columns(t: tf.Tensor, from: number, n: number): tf.Tensor {
  return t.rank === 1 ? tf.slice(t, [from], [n]) : tf.slice(t, [0, from], [t.shape[0], n]);
}

const kilnLayerNorm: LayerRewriter = (layer, [x]) => {
  const w = weightsOf(layer);
  const epsilon = (layer.getConfig().epsilon as number | undefined) ?? 1e-5;
  return applyWith(tf.layers.layerNormalization({ name: layer.name, axis: -1, epsilon }), x, [w('gamma'), w('beta')]);
};

/**
 * Exact GELU → `Activation('gelu')`. The tanh form is spelled out in built-in layers,
 * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), because tfjs 4.22 saves `gelu_new` but cannot
 * load it back ("Unknown activation: geluNew").
 */
const kilnGelu: LayerRewriter = (layer, [x]) => {
  const n = layer.name;
  if (!layer.getConfig().approximate) return applyWith(tf.layers.activation({ name: n, activation: 'gelu' as never }), x);
  const scale = (name: string, s: number, input: Sym, offset = 0) => applyWith(tf.layers.rescaling({ name: `${n}_${name}`, scale: s, offset }), input);
  // Distinct tensors for each factor: tfjs merge layers mishandle one tensor passed twice.
  const cube = applyWith(tf.layers.multiply({ name: `${n}_cube` }), [x, scale('k', 0.044715, x), scale('copy', 1, x)]);
  const inner = applyWith(tf.layers.add({ name: `${n}_inner` }), [x, cube]);
  const t = applyWith(tf.layers.activation({ name: `${n}_tanh`, activation: 'tanh' }), scale('s', Math.sqrt(2 / Math.PI), inner));
  return applyWith(tf.layers.multiply({ name: n }), [scale('half', 0.5, x), scale('onep', 1, t, 1)]);
};

const kilnRelu6: LayerRewriter = (layer, [x]) => applyWith(tf.layers.reLU({ name: layer.name, maxValue: 6 }), x);
const kilnRelu: LayerRewriter = (layer, [x]) => applyWith(tf.layers.reLU({ name: layer.name }), x);
const kilnResidualAdd: LayerRewriter = (layer, inputs) => applyWith(tf.layers.add({ name: layer.name }), inputs);

/** `KilnBatchNorm` (channel axis, same four weights) as the built-in BatchNormalization. */
const kilnBatchNorm: LayerRewriter = (layer, [x]) => {
  const w = weightsOf(layer);
  const { momentum, epsilon } = layer.getConfig() as { momentum?: number; epsilon?: number };
  return applyWith(tf.layers.batchNormalization({ name: layer.name, axis: -1, momentum, epsilon }), x,
    [w('gamma'), w('beta'), w('moving_mean'), w('moving_variance')]);
};

/**
 * `KilnMultiHeadAttention` as the per-head built-in layers it is equivalent to: for each
 * head, Dense q/k/v (slices of the fused q/k/v kernel), q scaled by 1/√Dh, Dot for the
 * scores, Softmax, Dot with v; heads concatenated; Dense output projection.
 */
const kilnMultiHeadAttention: LayerRewriter = (layer, [x]) => {
  const w = weightsOf(layer);
  const heads = layer.getConfig().heads as number;
  const dim = x.shape[2] as number;
  const dh = dim / heads;
  const n = layer.name;
  const qkvK = w('qkv_kernel');
  const qkvB = w('qkv_bias');
  const slices: tf.Tensor[] = [];
  const proj = (name: string, offset: number) => {
    const k = columns(qkvK, offset, dh);
    const b = columns(qkvB, offset, dh);
    slices.push(k, b);
    return applyWith(tf.layers.dense({ name, units: dh }), x, [k, b]);
  };
  const outs: Sym[] = [];
  for (let h = 0; h < heads; h++) {
    const q = applyWith(tf.layers.rescaling({ name: `${n}_head${h + 1}_scale`, scale: 1 / Math.sqrt(dh) }), proj(`${n}_head${h + 1}_q`, h * dh));
    const k = proj(`${n}_head${h + 1}_k`, dim + h * dh);
    const v = proj(`${n}_head${h + 1}_v`, 2 * dim + h * dh);
    const scores = applyWith(tf.layers.dot({ name: `${n}_head${h + 1}_scores`, axes: [2, 2] }), [q, k]);
    const attention = applyWith(tf.layers.softmax({ name: `${n}_head${h + 1}_softmax`, axis: -1 }), scores);
    outs.push(applyWith(tf.layers.dot({ name: `${n}_head${h + 1}_mix`, axes: [2, 1] }), [attention, v]));
  }
  const merged = heads > 1 ? applyWith(tf.layers.concatenate({ name: `${n}_heads`, axis: -1 }), outs) : outs[0];
  const out = applyWith(tf.layers.dense({ name: n, units: dim }), merged, [w('out_kernel'), w('out_bias')]);
  tf.dispose(slices);
  return out;
};

/** Kiln's own layer classes → their built-in equivalent (for apps that have only `@tensorflow/tfjs`). */
const REWRITERS = new Map<string, LayerRewriter>([
  ['KilnLayerNorm', kilnLayerNorm],
  ['KilnGelu', kilnGelu],
  ['KilnReLU6', kilnRelu6],
  ['KilnMultiHeadAttention', kilnMultiHeadAttention],
  ['KilnBatchNorm', kilnBatchNorm],
  ['KilnReLU', kilnRelu],
  ['KilnResidualAdd', kilnResidualAdd],
]);

export function registerLayerRewriter(className: string, rewriter: LayerRewriter): void {
  REWRITERS.set(className, rewriter);
}

/** Whether `className` is a tfjs built-in (as far as export knows: anything without a rewriter that tfjs can deserialise). */
function isRewritten(className: string): boolean {
  return REWRITERS.has(className);
}

/**
 * The same network with every Kiln custom layer replaced by built-in tfjs layers (weights
 * copied), so the exported model.json loads with plain `@tensorflow/tfjs`. Layers before the
 * first replacement keep their tensors; later ones are re-applied (weights shared, not copied).
 * Returns `net` itself when there is nothing to replace.
 */
export function withStandardLayers(net: tf.LayersModel): { net: tf.LayersModel; rewritten: string[] } {
  const rewritten = net.layers.filter((l) => isRewritten(l.getClassName())).map((l) => `${l.name} (${l.getClassName()})`);
  if (!rewritten.length) return { net, rewritten };
  const known = new Map<number, Sym>(net.inputs.map((t) => [t.id, t]));
  for (const layer of net.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const nodes = (layer as unknown as { inboundNodes: Array<{ inputTensors: Sym[]; outputTensors: Sym[] }> }).inboundNodes;
    const node = nodes.find((nd) => nd.inputTensors.every((t) => known.has(t.id)) && nd.outputTensors.some((t) => !known.has(t.id)));
    if (!node || node.outputTensors.length !== 1) {
      throw new ExportError(`tfjs export: layer '${layer.name}' (class ${layer.getClassName()}): shared or multi-output layers cannot be rewritten`);
    }
    const inputs = node.inputTensors.map((t) => known.get(t.id)!);
    const changed = inputs.some((t, i) => t !== node.inputTensors[i]);
    const rewrite = REWRITERS.get(layer.getClassName());
    let out: Sym;
    if (rewrite) out = rewrite(layer, inputs);
    else if (changed) out = layer.apply(inputs.length === 1 ? inputs[0] : inputs) as Sym;
    else out = node.outputTensors[0];
    known.set(node.outputTensors[0].id, out);
  }
  const outputs = net.outputs.map((t) => known.get(t.id)!);
  return { net: tf.model({ inputs: net.inputs, outputs, name: net.name }), rewritten };
}
