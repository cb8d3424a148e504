import type { LayerConverter } from '../converter';
import { applyActivation } from './activations';

/** `Dense` on rank 2 or 3 (or more: tfjs applies it to the last axis): MatMul + bias. */
export const dense: LayerConverter = (ctx) => {
  const g = ctx.graph;
  const x = g.keras(ctx.inputs[0]);
  const k = ctx.weight('kernel');
  let out = g.node('MatMul', [x.name, g.floats(`${ctx.layer.name}_W`, k.data, k.shape)], `${ctx.layer.name}_matmul`);
  const bias = ctx.config.useBias === false ? undefined : ctx.maybeWeight('bias');
  if (bias) out = g.node('Add', [out, g.floats(`${ctx.layer.name}_B`, bias.data, bias.shape)], ctx.layer.name);
  return applyActivation(ctx, { name: out, shape: ctx.outputShape, layout: 'keras' }, ctx.config.activation);
};

/** `Flatten`: keras order (NHWC) flattening, as tfjs does, so the next Dense's kernel fits. */
export const flatten: LayerConverter = (ctx) => {
  const x = ctx.graph.keras(ctx.inputs[0]);
  return { name: ctx.graph.node('Flatten', [x.name], ctx.layer.name, { axis: { i: 1 } }), shape: ctx.outputShape, layout: 'keras' };
};

/** `Reshape`: batch kept (0 = copy that dimension), the rest from `targetShape`. */
export const reshape: LayerConverter = (ctx) => {
  const g = ctx.graph;
  const x = g.keras(ctx.inputs[0]);
  const target = ctx.config.targetShape as number[];
  if (target.some((d) => d === 0)) ctx.fail('a 0 in targetShape is not supported');
  const shape = g.int64s(`${ctx.layer.name}_shape`, [0, ...target]);
  return { name: g.node('Reshape', [x.name, shape], ctx.layer.name), shape: ctx.outputShape, layout: 'keras' };
};

/** `Permute` (dims are 1-based, batch excluded). */
export const permuteLayer: LayerConverter = (ctx) => {
  const g = ctx.graph;
  const x = g.keras(ctx.inputs[0]);
  const perm = [0, ...(ctx.config.dims as number[])];
  return { name: g.node('Transpose', [x.name], ctx.layer.name, { perm: { ints: perm } }), shape: ctx.outputShape, layout: 'keras' };
};

/** Dropout and noise layers do nothing at inference. */
export const identity: LayerConverter = (ctx) => ctx.inputs[0];

/** `Rescaling`: x · scale + offset (scalars, so any layout). */
export const rescaling: LayerConverter = (ctx) => {
  const g = ctx.graph;
  const x = ctx.inputs[0];
  const scale = ctx.config.scale as number;
  const offset = (ctx.config.offset as number | undefined) ?? 0;
  if (typeof scale !== 'number' || typeof offset !== 'number') ctx.fail('only scalar scale/offset are supported');
  let out = g.node('Mul', [x.name, g.floats(`${ctx.layer.name}_scale`, [scale], [])], offset ? `${ctx.layer.name}_mul` : ctx.layer.name);
  if (offset) out = g.node('Add', [out, g.floats(`${ctx.layer.name}_offset`, [offset], [])], ctx.layer.name);
  return { ...x, name: out };
};

/** `InputLayer` never reaches a converter (it becomes the graph input); listed so the table is complete. */
export const inputLayer: LayerConverter = (ctx) => ctx.inputs[0];

export { applyActivation };
