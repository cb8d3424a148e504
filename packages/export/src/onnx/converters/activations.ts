import type { ConvertContext, LayerConverter } from '../converter';
import type { Value } from '../graph';

/**
 * Applies a tfjs activation by its serialised name (`relu`, `gelu`, …) to `v`; elementwise,
 * so the layout is kept. GELU is the exact erf form tfjs uses: 0.5·x·(1 + erf(x/√2)).
 */
export function applyActivation(ctx: ConvertContext, v: Value, activation: string | undefined | null): Value {
  const g = ctx.graph;
  const base = ctx.layer.name;
  const unary = (op: string, attrs = {}) => ({ ...v, name: g.node(op, [v.name], `${base}_${activation}`, attrs) });
  switch (activation ?? 'linear') {
    case 'linear':
      return v;
    case 'relu':
      return unary('Relu');
    case 'relu6':
      return { ...v, name: g.node('Clip', [v.name, g.floats(`${base}_min`, [0], []), g.floats(`${base}_max`, [6], [])], `${base}_relu6`) };
    case 'sigmoid':
      return unary('Sigmoid');
    case 'tanh':
      return unary('Tanh');
    case 'elu':
      return unary('Elu', { alpha: { f: 1 } });
    case 'selu':
      return unary('Selu');
    case 'softplus':
      return unary('Softplus');
    case 'softsign':
      return unary('Softsign');
    case 'swish': {
      const s = g.node('Sigmoid', [v.name], `${base}_sigmoid`);
      return { ...v, name: g.node('Mul', [v.name, s], `${base}_swish`) };
    }
    case 'gelu':
      return gelu(ctx, v);
    case 'softmax': {
      const axis = v.layout === 'nchw' ? 1 : -1;
      return unary('Softmax', { axis: { i: axis } });
    }
    default:
      return ctx.fail(`activation '${activation}' has no ONNX converter`);
  }
}

/** GELU via Erf (ONNX has no Gelu operator before opset 20). */
export function gelu(ctx: ConvertContext, v: Value): Value {
  const g = ctx.graph;
  const base = ctx.layer.name;
  const scaled = g.node('Div', [v.name, g.floats(`${base}_sqrt2`, [Math.SQRT2], [])], `${base}_gelu_div`);
  const erf = g.node('Erf', [scaled], `${base}_gelu_erf`);
  const onePlus = g.node('Add', [erf, g.floats(`${base}_one`, [1], [])], `${base}_gelu_add`);
  const half = g.node('Mul', [v.name, g.floats(`${base}_half`, [0.5], [])], `${base}_gelu_half`);
  return { ...v, name: g.node('Mul', [half, onePlus], `${base}_gelu`) };
}

/** `Activation` layer. */
export const activationLayer: LayerConverter = (ctx) => applyActivation(ctx, ctx.inputs[0], ctx.config.activation);

/** `ReLU` layer, with `maxValue` → Clip(0, maxValue). */
export const reluLayer: LayerConverter = (ctx) => {
  const v = ctx.inputs[0];
  const g = ctx.graph;
  const max = ctx.config.maxValue as number | null | undefined;
  if (max === null || max === undefined) return { ...v, name: g.node('Relu', [v.name], ctx.layer.name) };
  const lo = g.floats(`${ctx.layer.name}_min`, [0], []);
  const hi = g.floats(`${ctx.layer.name}_max`, [max], []);
  return { ...v, name: g.node('Clip', [v.name, lo, hi], ctx.layer.name) };
};

/** `LeakyReLU` layer. */
export const leakyReluLayer: LayerConverter = (ctx) => {
  const v = ctx.inputs[0];
  return { ...v, name: ctx.graph.node('LeakyRelu', [v.name], ctx.layer.name, { alpha: { f: ctx.config.alpha ?? 0.3 } }) };
};

/** `ELU` layer. */
export const eluLayer: LayerConverter = (ctx) => {
  const v = ctx.inputs[0];
  return { ...v, name: ctx.graph.node('Elu', [v.name], ctx.layer.name, { alpha: { f: ctx.config.alpha ?? 1 } }) };
};

/** `Softmax` layer along its axis (tfjs: one axis). */
export const softmaxLayer: LayerConverter = (ctx) => {
  const v = ctx.inputs[0];
  const axes = Array.isArray(ctx.config.axis) ? ctx.config.axis : [ctx.config.axis ?? -1];
  if (axes.length !== 1) ctx.fail(`softmax over several axes (${axes}) is not supported`);
  const g = ctx.graph;
  const x = v.shape.length === 4 ? g.keras(v) : v;
  return { ...x, name: g.node('Softmax', [x.name], ctx.layer.name, { axis: { i: axes[0] } }) };
};
