import { KILN_KERNELS } from '@kiln/contracts';
import {
  engine, getGradient, registerGradient, util,
  type GradConfig, type NamedAttrMap, type Tensor,
} from '@tensorflow/tfjs-core';
import { NATIVE_BACKEND_NAME } from './backend.js';
import { GRAD } from './op-codes.js';

/** Helper kernels that only gradients run (registered for `native` only). */
export const GRAD_KERNELS = {
  unaryGrad: 'KilnUnaryGrad',
  softmaxGrad: 'KilnSoftmaxGrad',
  tileGrad: 'KilnTileGrad',
  meanGrad: 'KilnMeanGrad',
  batchNormGrad: 'KilnFusedBatchNormGrad',
  batchNormGradFull: 'KilnFusedBatchNormGradFull',
  layerNormGrad: 'KilnLayerNormGrad',
  batchNormTrainGrad: 'KilnBatchNormTrainGrad',
} as const;

const wrapped = new Set<string>();

function onNative(...ts: (Tensor | undefined | null)[]): boolean {
  return engine().backendName === NATIVE_BACKEND_NAME && ts.every((t) => !t || t.dtype === 'float32');
}

const run = (name: string, inputs: Record<string, Tensor>, attrs: NamedAttrMap = {}) =>
  engine().runKernel(name, inputs, attrs) as Tensor;

/** A unary gradient as one pass: dx = f(v, dy), v = saved[0] (input or output, per `op`). */
function unary(op: number, extra: (attrs: NamedAttrMap) => NamedAttrMap = () => ({})) {
  return (orig: GradConfig): GradConfig => ({
    ...orig,
    gradFunc: (dy, saved, attrs) => {
      const v = saved[0];
      const d = dy as Tensor;
      if (!onNative(d, v) || d.size !== v.size) return orig.gradFunc(dy, saved, attrs);
      const key = orig.inputsToSave?.[0] ?? 'x';
      return { [key]: () => run(GRAD_KERNELS.unaryGrad, { v, dy: d }, { op, ...extra(attrs ?? {}) }) };
    },
  });
}

/** Softmax over the last axis: dx = y·(dy − Σ dy·y) in one pass. */
function softmaxGrad(orig: GradConfig): GradConfig {
  return {
    ...orig,
    gradFunc: (dy, saved, attrs) => {
      const y = saved[0];
      const d = dy as Tensor;
      const dim = (attrs?.dim as number | undefined) ?? -1;
      if (!onNative(d, y) || (dim !== -1 && dim !== y.rank - 1)) return orig.gradFunc(dy, saved, attrs);
      return { logits: () => run(GRAD_KERNELS.softmaxGrad, { y, dy: d }) };
    },
  };
}

/** Tile: one strided reduction of dy (tfjs: one slice + add per repeat). */
function tileGrad(orig: GradConfig): GradConfig {
  return {
    ...orig,
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0];
      const d = dy as Tensor;
      if (!onNative(d, x) || x.rank === 0) return orig.gradFunc(dy, saved, attrs);
      return { x: () => run(GRAD_KERNELS.tileGrad, { dy: d }, { xShape: x.shape, reps: attrs?.reps as number[] }) };
    },
  };
}

/** Mean: dy broadcast back over the reduced axes / count, in one pass (tfjs: Fill + Mul + Div). */
function meanGrad(orig: GradConfig): GradConfig {
  return {
    ...orig,
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0];
      const d = dy as Tensor;
      if (!onNative(d, x)) return orig.gradFunc(dy, saved, attrs);
      const axes = util.parseAxisParam(attrs?.axis as number | number[], x.shape);
      return { x: () => run(GRAD_KERNELS.meanGrad, { dy: d }, { shape: x.shape, axes }) };
    },
  };
}

/** FusedBatchNorm: per-channel statistics in one pass over x and dy, or all parameters full-size elementwise. */
function batchNormGrad(orig: GradConfig): GradConfig {
  return {
    ...orig,
    gradFunc: (dy, saved, attrs: NamedAttrMap) => {
      const [x, mean, variance, scale] = saved;
      const d = dy as Tensor;
      if (!onNative(d, x, mean, variance, scale) || x.rank < 1) return orig.gradFunc(dy, saved, attrs);
      const c = x.shape[x.rank - 1];
      const eps = (attrs?.varianceEpsilon as number | undefined) ?? 0.001;
      const perChannel = (t: Tensor | undefined | null) => !t || (t.rank === 1 && t.size === c);
      const full = (t: Tensor | undefined | null) => !t || util.arraysEqual(t.shape, x.shape);
      // Computed eagerly: tfjs runs each returned closure in its own tidy, so
      // lazily shared outputs would be disposed after the first one.
      if (perChannel(mean) && perChannel(variance) && perChannel(scale)) {
        const outs = engine().runKernel(GRAD_KERNELS.batchNormGrad, scale ? { x, dy: d, mean, variance, scale } : { x, dy: d, mean, variance },
          { varianceEpsilon: eps }) as Tensor[];
        return { x: () => outs[0], mean: () => outs[1], variance: () => outs[2], scale: () => outs[3], offset: () => outs[4] };
      }
      if (full(mean) && full(variance) && full(scale)) {
        const outs = engine().runKernel(GRAD_KERNELS.batchNormGradFull, scale ? { x, dy: d, mean, variance, scale } : { x, dy: d, mean, variance },
          { varianceEpsilon: eps }) as Tensor[];
        return { x: () => outs[0], mean: () => outs[1], variance: () => outs[2], scale: () => outs[3], offset: () => run('Identity', { x: d }) };
      }
      return orig.gradFunc(dy, saved, attrs);
    },
  };
}

const WRAPPERS: [string, (g: GradConfig) => GradConfig][] = [
  ['Relu', unary(GRAD.Relu)],
  ['Relu6', unary(GRAD.Relu6)],
  ['ClipByValue', unary(GRAD.ClipByValue, (a) => ({ alpha: a.clipValueMin as number, beta: a.clipValueMax as number }))],
  ['LeakyRelu', unary(GRAD.LeakyRelu, (a) => ({ alpha: (a.alpha as number | undefined) ?? 0.2 }))],
  ['Sigmoid', unary(GRAD.Sigmoid)],
  ['Tanh', unary(GRAD.Tanh)],
  ['Erf', unary(GRAD.Erf)],
  ['Softmax', softmaxGrad],
  ['Tile', tileGrad],
  ['Mean', meanGrad],
  ['FusedBatchNorm', batchNormGrad],
];

/**
 * Wraps tfjs's gradients of the kernels above so that, on the `native`
 * backend only, each runs as one fused kernel; on any other backend the
 * original tfjs gradient runs unchanged. No-op for gradients tfjs has not
 * registered (import `@tensorflow/tfjs` before registering the backend).
 */
export function wrapGradients(): string[] {
  for (const [name, wrap] of WRAPPERS) {
    if (wrapped.has(name)) continue;
    const orig = getGradient(name);
    if (!orig) continue;
    registerGradient(wrap(orig));
    wrapped.add(name);
  }
  return [...wrapped];
}

/** Gradients of Kiln's own fused kernels (they exist only where the kernels do). */
export function registerKilnGradients(): void {
  registerGradient({
    kernelName: KILN_KERNELS.LayerNorm,
    inputsToSave: ['x', 'gamma', 'beta'],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma] = saved;
      const outs = engine().runKernel(GRAD_KERNELS.layerNormGrad, { x, gamma, dy: dy as Tensor },
        { epsilon: attrs?.epsilon as number }) as Tensor[];
      return { x: () => outs[0], gamma: () => outs[1], beta: () => outs[2] };
    },
  });
  registerGradient({
    kernelName: KILN_KERNELS.BatchNormTrain,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved, attrs) => {
      const [x, gamma, mean, variance] = saved;
      const [dy, dmean, dvariance] = dys as Tensor[];
      // The statistics' gradients are usually tfjs's zero fill (they only feed the running averages);
      // the kernel adds their per-channel terms either way, which costs nothing and reads nothing back.
      const stats = { ...(dmean ? { dmean } : {}), ...(dvariance ? { dvariance } : {}) };
      const outs = engine().runKernel(GRAD_KERNELS.batchNormTrainGrad, { x, dy, gamma, mean, variance, ...stats },
        { epsilon: attrs?.epsilon as number }) as Tensor[];
      return { x: () => outs[0], gamma: () => outs[1], beta: () => outs[2] };
    },
  });
  registerGradient({
    kernelName: KILN_KERNELS.Gelu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => ({
      x: () => run(GRAD_KERNELS.unaryGrad, { v: saved[0], dy: dy as Tensor }, { op: attrs?.approximate ? GRAD.GeluTanh : GRAD.Gelu }),
    }),
  });
}
