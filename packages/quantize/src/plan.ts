import type * as tf from '@tensorflow/tfjs';
import { QuantizeError } from './errors';
import type { Int8Activation } from './kernels';

/** `attention`: KilnMultiHeadAttention's q/k/v and output projections as int8 dense ops, its scores fp32. */
export type Int8OpKind = 'conv' | 'depthwise' | 'dense' | 'attention';

/** A layer that runs as one int8 kernel, with what it absorbed. */
export interface PlannedOp {
  layer: string;
  kind: Int8OpKind;
  /** KilnBatchNorm folded into this conv's weights and bias (it becomes an identity). */
  batchNorm?: string;
  /** The activation the kernel applies: the layer's own, or a fused ReLU/ReLU6 layer's. */
  activation: Int8Activation;
  /** The ReLU/ReLU6 layer fused in (it becomes an identity). */
  activationLayer?: string;
}

export interface Fp32Layer {
  layer: string;
  className: string;
  why: string;
}

export interface Int8Plan {
  ops: PlannedOp[];
  /** Layers with weights or compute that stay fp32, and why (pooling, reshapes, adds, dropout are not listed). */
  fp32: Fp32Layer[];
}

/** Weight-free layers that run as they are around the int8 ones (values stay float between layers). */
const PASS_THROUGH = new Set([
  'InputLayer', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'GlobalAveragePooling1D', 'GlobalMaxPooling2D',
  'ZeroPadding2D', 'Flatten', 'Reshape', 'Permute', 'Dropout', 'SpatialDropout1D', 'Add', 'Concatenate', 'Softmax', 'ReLU', 'Activation',
  'KilnResidualAdd', 'KilnReLU', 'KilnReLU6',
]);

/** Kiln layers that stay fp32 by design. */
const FP32_WHY: Record<string, string> = {
  KilnLayerNorm: 'normalisation over each token (mean/variance), no weight GEMM',
  KilnGelu: 'elementwise erf nonlinearity, no int8 kernel',
};

const KIND: Record<string, Int8OpKind> = { Conv2D: 'conv', DepthwiseConv2D: 'depthwise', Dense: 'dense', KilnMultiHeadAttention: 'attention' };
const ATTENTION_SCORES_WHY = 'attention scores: q·kᵀ and softmax·v multiply two activations (no fixed per-channel weight scale), so they stay fp32; its q/k/v and output projections run int8';
const ACTIVATIONS = new Set<string>(['linear', 'relu', 'relu6']);

type Layer = tf.layers.Layer;

const className = (l: Layer) => l.getClassName();
const config = (l: Layer) => l.getConfig() as Record<string, unknown>;

/** The layers reading `layer`'s output; `undefined` in the list marks a model output. */
function consumers(net: tf.LayersModel, layer: Layer): (Layer | undefined)[] {
  const out: (Layer | undefined)[] = layer.outboundNodes.map((n) => n.outboundLayer).filter((l) => net.layers.includes(l));
  if (net.outputs.some((o) => o.sourceLayer === layer)) out.push(undefined);
  return out;
}

/** `next` when it is `layer`'s only reader and reads nothing else. */
function onlyConsumer(net: tf.LayersModel, layer: Layer): Layer | undefined {
  const c = consumers(net, layer);
  if (c.length !== 1 || !c[0]) return undefined;
  const next = c[0];
  return next.inboundNodes.length === 1 && next.inboundNodes[0].inboundLayers.length === 1 ? next : undefined;
}

/** A ReLU/ReLU6 layer as the activation an int8 kernel can apply, else undefined. */
function reluOf(l: Layer): Int8Activation | undefined {
  const c = className(l);
  if (c === 'KilnReLU') return 'relu';
  if (c === 'KilnReLU6') return 'relu6';
  if (c === 'Activation') {
    const a = config(l).activation;
    return a === 'relu' || a === 'relu6' ? a : undefined;
  }
  if (c === 'ReLU') {
    const cfg = config(l);
    if (cfg.maxValue == null) return 'relu';
    return cfg.maxValue === 6 ? 'relu6' : undefined;
  }
  return undefined;
}

/** Why a conv/dense layer cannot be an int8 kernel, or undefined when it can. */
function blocker(l: Layer, kind: Int8OpKind): string | undefined {
  const cfg = config(l);
  if (l.inboundNodes.length !== 1) return `shared layer (${l.inboundNodes.length} call sites)`;
  if (kind === 'attention') return undefined;
  if (kind !== 'dense') {
    if (cfg.dataFormat !== undefined && cfg.dataFormat !== 'channelsLast') return `data format ${String(cfg.dataFormat)} (int8 kernels take NHWC)`;
    if (cfg.padding !== 'same' && cfg.padding !== 'valid') return `padding '${String(cfg.padding)}'`;
    const shape = (l.input as tf.SymbolicTensor).shape as (number | null)[];
    if (shape.length !== 4 || shape.slice(1).some((d) => d == null)) return `input shape [${shape.join(', ')}] is not a known NHWC shape`;
  } else {
    const shape = (l.input as tf.SymbolicTensor).shape as (number | null)[];
    if (shape[shape.length - 1] == null) return 'unknown input width';
  }
  const act = String(cfg.activation ?? 'linear');
  if (!ACTIVATIONS.has(act)) return `activation '${act}' (int8 kernels apply linear, relu, relu6)`;
  return undefined;
}

/**
 * Which layers of `net` run int8: every Conv2D, DepthwiseConv2D and Dense, with a following
 * KilnBatchNorm folded in when the conv is its only input and it the conv's only reader, and a
 * following ReLU/ReLU6 fused when it is the only reader. Layers the int8 path cannot take are
 * listed with the reason; a layer Kiln does not know fails, naming it.
 */
export function planInt8(net: tf.LayersModel, options: { keepFp32?: readonly string[] } = {}): Int8Plan {
  const keep = new Set(options.keepFp32 ?? []);
  for (const name of keep) if (!net.layers.some((l) => l.name === name)) throw new QuantizeError(`int8: keepFp32 names layer '${name}', which the model does not have`);
  const ops: PlannedOp[] = [];
  const fp32: Fp32Layer[] = [];
  const absorbed = new Set<Layer>();
  for (const l of net.layers) {
    const c = className(l);
    if (absorbed.has(l)) continue;
    const kind = KIND[c];
    if (kind) {
      const why = keep.has(l.name) ? 'kept fp32 on request (keepFp32)' : blocker(l, kind);
      if (why) {
        fp32.push({ layer: l.name, className: c, why });
        continue;
      }
      const op: PlannedOp = { layer: l.name, kind, activation: String(config(l).activation ?? 'linear') as Int8Activation };
      if (kind === 'attention') {
        ops.push(op);
        fp32.push({ layer: `${l.name} scores`, className: c, why: ATTENTION_SCORES_WHY });
        continue;
      }
      let tail: Layer = l;
      const bn = kind === 'dense' ? undefined : onlyConsumer(net, l);
      if (bn && className(bn) === 'KilnBatchNorm' && op.activation === 'linear') {
        op.batchNorm = bn.name;
        absorbed.add(bn);
        tail = bn;
      }
      const relu = onlyConsumer(net, tail);
      const fn = relu && op.activation === 'linear' ? reluOf(relu) : undefined;
      if (relu && fn) {
        op.activation = fn;
        op.activationLayer = relu.name;
        absorbed.add(relu);
      }
      ops.push(op);
    } else if (PASS_THROUGH.has(c)) continue;
    else if (FP32_WHY[c]) fp32.push({ layer: l.name, className: c, why: FP32_WHY[c] });
    else if (c === 'KilnBatchNorm' || c === 'BatchNormalization') fp32.push({ layer: l.name, className: c, why: 'batch norm not folded: no int8 conv before it whose output only it reads' });
    else throw new QuantizeError(`int8: layer '${l.name}' (${c}) is not supported; int8 inference knows Conv2D, DepthwiseConv2D, Dense, Kiln's zoo layers and weight-free reshapes/pooling`);
  }
  return { ops, fp32 };
}

/** Names of the layers an int8 op absorbed (they run as identities). */
export function absorbedLayers(plan: Int8Plan): string[] {
  return plan.ops.flatMap((o) => [o.batchNorm, o.activationLayer].filter((n): n is string => n !== undefined));
}
