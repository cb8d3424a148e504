import type { ConvertContext, LayerConverter } from '../converter';
import type { Value } from '../graph';
import { onnxAxis } from '../graph';

/** All inputs in the first input's layout (so a residual add inside a conv stack stays NCHW). */
function sameLayout(ctx: ConvertContext): Value[] {
  const first = ctx.inputs[0];
  const rank4 = ctx.inputs.every((v) => v.shape.length === 4);
  const layout = rank4 ? first.layout : 'keras';
  return ctx.inputs.map((v) => ctx.graph.as(v, layout));
}

function variadic(op: 'Sum' | 'Mean' | 'Max' | 'Min' | 'Mul'): LayerConverter {
  return (ctx) => {
    const xs = sameLayout(ctx);
    const g = ctx.graph;
    let out: string;
    if (op === 'Mul') {
      out = xs[0].name;
      for (let i = 1; i < xs.length; i++) out = g.node('Mul', [out, xs[i].name], i === xs.length - 1 ? ctx.layer.name : `${ctx.layer.name}_${i}`);
    } else {
      out = g.node(op, xs.map((x) => x.name), ctx.layer.name);
    }
    return { name: out, shape: ctx.outputShape, layout: xs[0].layout };
  };
}

export const add = variadic('Sum');
export const average = variadic('Mean');
export const maximum = variadic('Max');
export const minimum = variadic('Min');
export const multiply = variadic('Mul');

/** `Concatenate` along its (keras) axis, mapped to the inputs' layout. */
export const concatenate: LayerConverter = (ctx) => {
  const xs = sameLayout(ctx);
  const axis = onnxAxis(xs[0], (ctx.config.axis as number | undefined) ?? -1);
  return { name: ctx.graph.node('Concat', xs.map((x) => x.name), ctx.layer.name, { axis: { i: axis } }), shape: ctx.outputShape, layout: xs[0].layout };
};

/**
 * `Dot` (batched): rank 3 as one MatMul with the contracted axes moved into place
 * (axes [2, 2] = a·bᵀ as in attention scores, [2, 1] = a·b); rank 2 = row-wise dot product.
 */
export const dot: LayerConverter = (ctx) => {
  const g = ctx.graph;
  if (ctx.config.normalize) ctx.fail('normalize: true is not supported');
  const [a, b] = ctx.inputs.map((v) => g.keras(v));
  const rank = a.shape.length;
  if (b.shape.length !== rank) ctx.fail(`inputs of rank ${rank} and ${b.shape.length} are not supported`);
  const raw = ctx.config.axes as number | [number, number];
  const [ax, bx] = (Array.isArray(raw) ? raw : [raw, raw]).map((x) => (x < 0 ? x + rank : x));
  if (rank === 2) {
    if (ax !== 1 || bx !== 1) ctx.fail(`axes [${raw}] on rank 2 are not supported`);
    const prod = g.node('Mul', [a.name, b.name], `${ctx.layer.name}_mul`);
    const axes = g.int64s(`${ctx.layer.name}_axes`, [1]);
    return { name: g.node('ReduceSum', [prod, axes], ctx.layer.name, { keepdims: { i: 1 } }), shape: ctx.outputShape, layout: 'keras' };
  }
  if (rank !== 3 || ![1, 2].includes(ax) || ![1, 2].includes(bx)) ctx.fail(`axes [${raw}] on rank ${rank} are not supported`);
  const t = (v: Value, suffix: string) => g.node('Transpose', [v.name], `${ctx.layer.name}_${suffix}`, { perm: { ints: [0, 2, 1] } });
  const left = ax === 2 ? a.name : t(a, 'at');
  const right = bx === 1 ? b.name : t(b, 'bt');
  return { name: g.node('MatMul', [left, right], ctx.layer.name), shape: ctx.outputShape, layout: 'keras' };
};
