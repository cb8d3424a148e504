import type { LayerConverter } from '../converter';

const lastAxis = (axis: unknown, rank: number): boolean => {
  const axes = Array.isArray(axis) ? axis : [axis ?? -1];
  return axes.length === 1 && (axes[0] === -1 || axes[0] === rank - 1);
};

/**
 * `BatchNormalization` (inference): folded into y = x·s + t with s = γ/√(var + ε),
 * t = β − mean·s, per channel; constants shaped [C, 1, 1] for an NCHW value.
 */
export const batchNormalization: LayerConverter = (ctx) => {
  const g = ctx.graph;
  const x = ctx.inputs[0];
  const rank = x.shape.length;
  if (!lastAxis(ctx.config.axis, rank)) ctx.fail(`axis ${JSON.stringify(ctx.config.axis)} is not supported (only the channel axis, -1)`);
  const mean = ctx.weight('moving_mean').data;
  const variance = ctx.weight('moving_variance').data;
  const gamma = ctx.config.scale === false ? undefined : ctx.maybeWeight('gamma')?.data;
  const beta = ctx.config.center === false ? undefined : ctx.maybeWeight('beta')?.data;
  const eps = (ctx.config.epsilon as number | undefined) ?? 1e-3;
  const c = mean.length;
  const s = new Float32Array(c);
  const t = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    s[i] = (gamma ? gamma[i] : 1) / Math.sqrt(variance[i] + eps);
    t[i] = (beta ? beta[i] : 0) - mean[i] * s[i];
  }
  const dims = x.layout === 'nchw' ? [c, 1, 1] : [c];
  const mul = g.node('Mul', [x.name, g.floats(`${ctx.layer.name}_scale`, s, dims)], `${ctx.layer.name}_mul`);
  const out = g.node('Add', [mul, g.floats(`${ctx.layer.name}_shift`, t, dims)], ctx.layer.name);
  return { name: out, shape: ctx.outputShape, layout: x.layout };
};

/** `LayerNormalization` over the last axis: ONNX LayerNormalization (opset 17). */
export const layerNormalization: LayerConverter = (ctx) => {
  const g = ctx.graph;
  const x = g.keras(ctx.inputs[0]);
  const rank = x.shape.length;
  if (!lastAxis(ctx.config.axis, rank)) ctx.fail(`axis ${JSON.stringify(ctx.config.axis)} is not supported (only the last axis)`);
  const dim = x.shape[rank - 1];
  if (typeof dim !== 'number') return ctx.fail('the normalised axis needs a known size');
  const gamma = ctx.config.scale === false ? new Float32Array(dim).fill(1) : ctx.weight('gamma').data;
  const beta = ctx.config.center === false ? new Float32Array(dim) : ctx.weight('beta').data;
  const out = g.node(
    'LayerNormalization',
    [x.name, g.floats(`${ctx.layer.name}_gamma`, gamma, [dim]), g.floats(`${ctx.layer.name}_beta`, beta, [dim])],
    ctx.layer.name,
    { axis: { i: -1 }, epsilon: { f: (ctx.config.epsilon as number | undefined) ?? 1e-3 } },
  );
  return { name: out, shape: ctx.outputShape, layout: 'keras' };
};
