import type { AdamAttrs, GeluAttrs, LayerNormAttrs, RmsPropAttrs, SgdAttrs } from '@kiln/contracts';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { GRAD, UNARY } from '../op-codes.js';
import { f32, output, type NativeArgs } from '../kernel-util.js';

/** KilnLayerNorm: inputs { x, gamma, beta } over the last axis (biased variance, as PyTorch). */
export function layerNorm({ inputs, backend, attrs, addon }: NativeArgs) {
  const { x, gamma, beta } = inputs;
  const xv = f32(backend, x), gv = f32(backend, gamma), bv = f32(backend, beta);
  if (!x || !xv || !gv || !bv || x.shape.length === 0) return null;
  const cols = x.shape[x.shape.length - 1];
  if (gv.length !== cols || bv.length !== cols) {
    throw new Error(`KilnLayerNorm: gamma and beta need ${cols} values (the last dim of x [${x.shape.join(', ')}]), ` +
      `got ${gv.length} and ${bv.length}`);
  }
  const out = backend.alloc(xv.length);
  addon.layerNorm(xv, gv, bv, cols, (attrs as unknown as LayerNormAttrs).epsilon, out);
  return output(backend, [...x.shape], out);
}

/** KilnLayerNormGrad (gradient helper): inputs { x, gamma, dy } -> [dx, dgamma, dbeta]. */
export function layerNormGrad({ inputs, backend, attrs, addon }: NativeArgs) {
  const { x, gamma, dy } = inputs;
  const xv = f32(backend, x), gv = f32(backend, gamma), dv = f32(backend, dy);
  if (!x || !gamma || !xv || !gv || !dv) return null;
  const cols = x.shape[x.shape.length - 1];
  const dx = backend.alloc(xv.length), dg = backend.alloc(cols), db = backend.alloc(cols);
  addon.layerNormGrad(xv, gv, dv, cols, attrs.epsilon as number, dx, dg, db);
  return [output(backend, [...x.shape], dx), output(backend, [...gamma.shape], dg), output(backend, [...gamma.shape], db)];
}

/** KilnGelu: exact erf form, or the tanh approximation. */
export function gelu({ inputs, backend, attrs, addon }: NativeArgs) {
  const x = inputs.x;
  const xv = f32(backend, x);
  if (!x || !xv) return null;
  const out = backend.alloc(xv.length);
  addon.unary((attrs as unknown as GeluAttrs).approximate ? UNARY.GeluTanh : UNARY.Gelu, xv, out, 0, 0);
  return output(backend, [...x.shape], out);
}

/**
 * KilnUnaryGrad (gradient helper): inputs { v, dy }, attrs { op (GRAD code), alpha, beta }:
 * dx in one pass (v is the forward input, or the output for Sigmoid/Tanh/Elu).
 */
export function unaryGrad({ inputs, backend, attrs, addon }: NativeArgs) {
  const { v, dy } = inputs;
  const vv = f32(backend, v), dv = f32(backend, dy);
  if (!v || !vv || !dv || vv.length !== dv.length) return null;
  const out = backend.alloc(vv.length);
  addon.unaryGrad(attrs.op as number, vv, dv, out, (attrs.alpha as number | undefined) ?? 0, (attrs.beta as number | undefined) ?? 0);
  return output(backend, [...v.shape], out);
}

/** KilnSoftmaxGrad (gradient helper): inputs { y, dy } over the last axis. */
export function softmaxGrad({ inputs, backend, addon }: NativeArgs) {
  const { y, dy } = inputs;
  const yv = f32(backend, y), dv = f32(backend, dy);
  if (!y || !yv || !dv || yv.length !== dv.length) return null;
  const out = backend.alloc(yv.length);
  addon.softmaxGrad(yv, dv, y.shape[y.shape.length - 1], out, false);
  return output(backend, [...y.shape], out);
}

const need = (b: NativeArgs['backend'], t: TensorInfo | undefined, n: number) => {
  const v = f32(b, t);
  return v && v.length === n ? v : null;
};

/** KilnApplyAdam: inputs { param, grad, m, v } -> [param', m', v'] (PyTorch Adam/AdamW). */
export function applyAdam({ inputs, backend, attrs, addon }: NativeArgs) {
  const a = attrs as unknown as AdamAttrs;
  const p = inputs.param;
  const pv = f32(backend, p);
  if (!p || !pv) return null;
  const n = pv.length;
  const g = need(backend, inputs.grad, n), m = need(backend, inputs.m, n), v = need(backend, inputs.v, n);
  if (!g || !m || !v) return null;
  const op = backend.alloc(n), om = backend.alloc(n), ov = backend.alloc(n);
  addon.adam(pv, g, m, v, op, om, ov, a.lr, a.beta1, a.beta2, a.epsilon, a.step, a.weightDecay, Boolean(a.decoupled));
  return [op, om, ov].map((o) => output(backend, [...p.shape], o));
}

/** KilnApplySgd: inputs { param, grad, velocity? } -> [param'] or [param', velocity']. */
export function applySgd({ inputs, backend, attrs, addon }: NativeArgs) {
  const a = attrs as unknown as SgdAttrs;
  const p = inputs.param;
  const pv = f32(backend, p);
  if (!p || !pv) return null;
  const n = pv.length;
  const g = need(backend, inputs.grad, n);
  if (!g) return null;
  const momentum = a.momentum > 0;
  const vel = inputs.velocity ? need(backend, inputs.velocity, n) : null;
  if (momentum && !a.firstStep && !vel) return null;
  const op = backend.alloc(n), ov = momentum ? backend.alloc(n) : null;
  addon.sgd(pv, g, vel, op, ov, a.lr, a.momentum, a.dampening, Boolean(a.nesterov), a.weightDecay, Boolean(a.firstStep));
  return [op, ...(ov ? [ov] : [])].map((o) => output(backend, [...p.shape], o));
}

/** KilnApplyRmsProp: inputs { param, grad, squareAvg, momentumBuf?, gradAvg? }. */
export function applyRmsProp({ inputs, backend, attrs, addon }: NativeArgs) {
  const a = attrs as unknown as RmsPropAttrs;
  const p = inputs.param;
  const pv = f32(backend, p);
  if (!p || !pv) return null;
  const n = pv.length;
  const g = need(backend, inputs.grad, n), sq = need(backend, inputs.squareAvg, n);
  const mom = a.momentum > 0, centered = Boolean(a.centered);
  const mb = mom ? need(backend, inputs.momentumBuf, n) : null, ga = centered ? need(backend, inputs.gradAvg, n) : null;
  if (!g || !sq || (mom && !mb) || (centered && !ga)) return null;
  const op = backend.alloc(n), osq = backend.alloc(n);
  const omb = mom ? backend.alloc(n) : null, oga = centered ? backend.alloc(n) : null;
  addon.rmsprop(pv, g, sq, mb, ga, op, osq, omb, oga, a.lr, a.alpha, a.epsilon, a.momentum, centered, a.weightDecay);
  return [op, osq, omb, oga].filter((o): o is Float32Array => o !== null).map((o) => output(backend, [...p.shape], o));
}

export { GRAD };
