import {
  backend_util, engine, getGradient, registerGradient, registerKernel, util,
  type GradConfig, type NamedAttrMap, type Tensor, type TensorInfo,
} from '@tensorflow/tfjs-core';
import { NATIVE_BACKEND_NAME, type NativeBackend } from './backend.js';
import { f32, output, sizeOf } from './kernel-util.js';
import { BINARY_OPS, broadcastStrides } from './kernels/elementwise.js';
import type { NativeAddon } from './native-addon.js';

const BN_GRAD = 'KilnFusedBatchNormGrad';
const RELU_GRAD = 'KilnReluGrad';
const MEAN_GRAD = 'KilnMeanGrad';
const wrapped = new Set<string>();

function onNative(...ts: (Tensor | undefined)[]): boolean {
  return engine().backendName === NATIVE_BACKEND_NAME && ts.every((t) => !t || t.dtype === 'float32');
}

/** Gradient of Relu in one pass (tfjs: mul(dy, cast(step(x)))). */
function reluGrad(orig: GradConfig): GradConfig {
  return {
    ...orig,
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0];
      const single = dy as Tensor;
      if (!onNative(single, x) || single.size !== x.size || x.size < 4096) return orig.gradFunc(dy, saved, attrs);
      return { x: () => engine().runKernel(RELU_GRAD, { dy: single, y: x }, {}) as Tensor };
    },
  };
}

/** Gradient of Mean: dy broadcast back over the reduced axes / count, in one pass (tfjs: Fill + Mul + Div). */
function meanGrad(orig: GradConfig): GradConfig {
  return {
    ...orig,
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0];
      const d = dy as Tensor;
      if (!onNative(d, x) || x.size < 4096) return orig.gradFunc(dy, saved, attrs);
      const axes = util.parseAxisParam(attrs?.axis as number | number[], x.shape);
      return { x: () => engine().runKernel(MEAN_GRAD, { dy: d }, { shape: x.shape, axes }) as Tensor };
    },
  };
}

/** FusedBatchNorm gradient (per-channel statistics) in one pass over x and dy. */
function batchNormGrad(orig: GradConfig): GradConfig {
  return {
    ...orig,
    gradFunc: (dy, saved, attrs: NamedAttrMap) => {
      const [x, mean, variance, scale] = saved;
      const d = dy as Tensor;
      const c = x.shape[x.rank - 1];
      const ok = onNative(d, x, mean, variance, scale ?? undefined) && x.rank >= 1 && mean.rank === 1 &&
        variance.rank === 1 && mean.size === c && variance.size === c && (!scale || (scale.rank === 1 && scale.size === c));
      if (!ok) return orig.gradFunc(dy, saved, attrs);
      // Computed eagerly: tfjs runs each returned closure in its own tidy, so
      // lazily shared outputs would be disposed after the first one.
      const outs = engine().runKernel(BN_GRAD, scale ? { x, dy: d, mean, variance, scale } : { x, dy: d, mean, variance },
        { varianceEpsilon: attrs?.varianceEpsilon as number }) as Tensor[];
      return { x: () => outs[0], mean: () => outs[1], variance: () => outs[2], scale: () => outs[3], offset: () => outs[4] };
    },
  };
}

/** Registers the two helper kernels for `native`. */
export function registerGradientKernels(addon: NativeAddon): void {
  registerKernel({
    kernelName: RELU_GRAD, backendName: NATIVE_BACKEND_NAME,
    kernelFunc: ({ inputs, backend }) => {
      const b = backend as NativeBackend;
      const dy = inputs.dy as TensorInfo;
      const out = b.alloc(sizeOf(dy.shape));
      addon.reluGrad(f32(b, dy) as Float32Array, f32(b, inputs.y as TensorInfo) as Float32Array, out);
      return output(b, [...dy.shape], out);
    },
  });
  registerKernel({
    kernelName: MEAN_GRAD, backendName: NATIVE_BACKEND_NAME,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as NativeBackend;
      const shape = attrs?.shape as number[], axes = attrs?.axes as number[];
      const expanded = shape.slice();
      for (const a of axes) expanded[a] = 1;
      const count = sizeOf(backend_util.computeOutAndReduceShapes(shape, axes)[1]);
      const out = b.alloc(sizeOf(shape));
      const st = broadcastStrides(expanded, [1], shape);
      addon.binaryStrided(BINARY_OPS.RealDiv, f32(b, inputs.dy as TensorInfo) as Float32Array, Float32Array.of(count),
        out, st.shape, st.stridesA, st.stridesB);
      return output(b, [...shape], out);
    },
  });
  registerKernel({
    kernelName: BN_GRAD, backendName: NATIVE_BACKEND_NAME,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as NativeBackend;
      const x = inputs.x as TensorInfo;
      const c = x.shape[x.shape.length - 1];
      const dx = b.alloc(sizeOf(x.shape));
      const stats = [0, 1, 2, 3].map(() => new Float32Array(c));
      const v = (k: string) => f32(b, inputs[k] as TensorInfo) as Float32Array;
      addon.batchNormGrad(v('x'), v('dy'), v('mean'), v('variance'), inputs.scale ? v('scale') : null,
        (attrs?.varianceEpsilon as number | undefined) ?? 0.001, c, dx, stats[0], stats[1], stats[2], stats[3]);
      return [output(b, [...x.shape], dx), ...stats.map((s) => output(b, [c], s))];
    },
  });
}

/**
 * Wraps the tfjs gradients of Relu, FusedBatchNorm and Mean so that, on the
 * `native` backend only, they run as one fused kernel; on any other backend
 * the original tfjs gradient runs unchanged. No-op for gradients tfjs has not
 * registered (import `@tensorflow/tfjs` before registering the backend).
 */
export function wrapGradients(): string[] {
  for (const [name, wrap] of [['Relu', reluGrad], ['FusedBatchNorm', batchNormGrad], ['Mean', meanGrad]] as const) {
    if (wrapped.has(name)) continue;
    const orig = getGradient(name);
    if (!orig) continue;
    registerGradient(wrap(orig));
    wrapped.add(name);
  }
  return [...wrapped];
}
