import type { LayerConverter } from '../converter';
import { gelu } from './activations';
import { reluLayer } from './activations';
import { add } from './merge';
import { batchNormalization, layerNormalization } from './norm';

/**
 * Converters for Kiln's own layers (`@kiln/models`' LayerNorm, Gelu, ReLU6,
 * MultiHeadAttention), keyed by their tfjs class names.
 */

/** `KilnLayerNorm`: last-axis layer norm with gamma/beta, as ONNX LayerNormalization. */
export const kilnLayerNorm: LayerConverter = (ctx) =>
  layerNormalization({ ...ctx, config: { ...ctx.config, axis: -1, center: true, scale: true, epsilon: ctx.config.epsilon ?? 1e-5 } });

/** `KilnGelu`: exact erf form, or the tanh approximation with `approximate: true`. */
export const kilnGelu: LayerConverter = (ctx) => {
  const v = ctx.inputs[0];
  if (!ctx.config.approximate) return gelu(ctx, v);
  // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
  const g = ctx.graph;
  const n = ctx.layer.name;
  const c = (name: string, value: number) => g.floats(`${n}_${name}`, [value], []);
  const cube = g.node('Mul', [g.node('Mul', [v.name, v.name], `${n}_x2`), v.name], `${n}_x3`);
  const inner = g.node('Add', [v.name, g.node('Mul', [cube, c('k', 0.044715)], `${n}_kx3`)], `${n}_inner`);
  const t = g.node('Tanh', [g.node('Mul', [inner, c('s', Math.sqrt(2 / Math.PI))], `${n}_scaled`)], `${n}_tanh`);
  const half = g.node('Mul', [v.name, c('half', 0.5)], `${n}_half`);
  return { ...v, name: g.node('Mul', [half, g.node('Add', [t, c('one', 1)], `${n}_onep`)], n) };
};

/** `KilnBatchNorm`: channel-axis batch norm with gamma/beta and moving statistics (inference form). */
export const kilnBatchNorm: LayerConverter = (ctx) =>
  batchNormalization({ ...ctx, config: { ...ctx.config, axis: -1, center: true, scale: true } });

/** `KilnReLU`: Relu. */
export const kilnRelu: LayerConverter = (ctx) => reluLayer({ ...ctx, config: {} });

/** `KilnResidualAdd`: Sum of its two inputs. */
export const kilnResidualAdd: LayerConverter = (ctx) => add(ctx);

/** `KilnReLU6`: Clip(0, 6). */
export const kilnRelu6: LayerConverter = (ctx) => {
  const v = ctx.inputs[0];
  const g = ctx.graph;
  const n = ctx.layer.name;
  return { ...v, name: g.node('Clip', [v.name, g.floats(`${n}_min`, [0], []), g.floats(`${n}_max`, [6], [])], n) };
};

/**
 * `KilnMultiHeadAttention` on [B, T, D] with H heads, exactly as the layer computes it:
 * qkv = x·Wqkv + b → [B, T, 3, H, Dh] → [3, B, H, T, Dh]; softmax(q·kᵀ/√Dh)·v per head;
 * heads back to [B, T, D]; ·Wout + b.
 */
export const kilnMultiHeadAttention: LayerConverter = (ctx) => {
  const g = ctx.graph;
  const n = ctx.layer.name;
  const x = g.keras(ctx.inputs[0]);
  const dim = x.shape[2];
  const heads = ctx.config.heads as number;
  if (x.shape.length !== 3 || typeof dim !== 'number') return ctx.fail('expects [batch, tokens, dim] with a known dim');
  if (!Number.isInteger(heads) || heads < 1 || dim % heads !== 0) return ctx.fail(`heads ${heads} does not divide dim ${dim}`);
  const dh = dim / heads;
  const w = (short: string) => {
    const t = ctx.weight(short);
    return g.floats(`${n}_${short}`, t.data, t.shape);
  };
  const qkv = g.node('Add', [g.node('MatMul', [x.name, w('qkv_kernel')], `${n}_qkv_mm`), w('qkv_bias')], `${n}_qkv`);
  const split = g.node('Reshape', [qkv, g.int64s(`${n}_split_shape`, [0, 0, 3, heads, dh])], `${n}_split`);
  const perm = g.node('Transpose', [split], `${n}_heads`, { perm: { ints: [2, 0, 3, 1, 4] } }); // [3, B, H, T, Dh]
  const pick = (i: number, name: string) => g.node('Gather', [perm, g.int64s(`${n}_${name}_index`, [i])], `${n}_${name}_g`, { axis: { i: 0 } });
  const [q, k, v] = [pick(0, 'q'), pick(1, 'k'), pick(2, 'v')].map((t, i) =>
    g.node('Squeeze', [t, g.int64s(`${n}_sq${i}`, [0])], `${n}_${'qkv'[i]}`),
  );
  const kt = g.node('Transpose', [k], `${n}_kt`, { perm: { ints: [0, 1, 3, 2] } });
  const scores = g.node('Mul', [g.node('MatMul', [q, kt], `${n}_qk`), g.floats(`${n}_scale`, [1 / Math.sqrt(dh)], [])], `${n}_scores`);
  const attn = g.node('Softmax', [scores], `${n}_softmax`, { axis: { i: -1 } });
  const mixed = g.node('MatMul', [attn, v], `${n}_mix`); // [B, H, T, Dh]
  const back = g.node('Transpose', [mixed], `${n}_merge_t`, { perm: { ints: [0, 2, 1, 3] } });
  const merged = g.node('Reshape', [back, g.int64s(`${n}_merge_shape`, [0, 0, dim])], `${n}_merge`);
  const out = g.node('Add', [g.node('MatMul', [merged, w('out_kernel')], `${n}_out_mm`), w('out_bias')], n);
  return { name: out, shape: ctx.outputShape, layout: 'keras' };
};
