import {
  AdamOptimizer, add, backend as currentBackend, div, engine, mul, neg, sqrt, square, tidy, zerosLike,
  type Tensor, type Variable,
} from '@tensorflow/tfjs-core';
import { NativeBackend } from './backend.js';
import { loadAddon } from './load-addon.js';

type Grads = Parameters<AdamOptimizer['applyGradients']>[0];
interface Slot { originalName: string; variable: Variable }
/** AdamOptimizer's private state, which getWeights/setWeights also use. */
interface AdamState {
  accBeta1: Variable;
  accBeta2: Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
}

/**
 * Drop-in `tf.train.adam` replacement: on the `native` backend each variable
 * is updated by one fused C++ pass (same formula and state layout as
 * `AdamOptimizer`, so getWeights/setWeights/serialization are unchanged); on
 * any other backend it behaves exactly like `AdamOptimizer`.
 */
export class NativeAdamOptimizer extends AdamOptimizer {
  override applyGradients(variableGradients: Grads): void {
    const backend = currentBackend();
    const addon = loadAddon();
    if (!(backend instanceof NativeBackend) || !addon) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    tidy(() => {
      const c1 = 1 - (backend.data.get(self.accBeta1.dataId).values as Float32Array)[0];
      const c2 = 1 - (backend.data.get(self.accBeta2.dataId).values as Float32Array)[0];
      names.forEach((name, i) => {
        const value = engine().registeredVariables[name];
        self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tidy(() => zerosLike(value).variable(false)) };
        self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tidy(() => zerosLike(value).variable(false)) };
        const gradient: Tensor | undefined = Array.isArray(variableGradients) ? variableGradients[i].tensor : (variableGradients as Record<string, Tensor>)[name];
        if (gradient == null) return;
        const m = self.accumulatedFirstMoment[i].variable, v = self.accumulatedSecondMoment[i].variable;
        const arrays = [value, gradient, m, v].map((t) => backend.data.get(t.dataId).values);
        if (!arrays.every((a) => a instanceof Float32Array) || value.dtype !== 'float32') {
          fallbackUpdate(this, name, gradient);
          return;
        }
        const n = value.size;
        const [ow, om, ov] = [backend.alloc(n), backend.alloc(n), backend.alloc(n)];
        const [w, g, mm, vv] = arrays as Float32Array[];
        addon.adam(w, g, mm, vv, ow, om, ov, this.learningRate, this.beta1, this.beta2, this.epsilon, c1, c2);
        const make = (a: Float32Array) => engine().makeTensorFromTensorInfo(backend.makeTensorInfo(value.shape, 'float32', a), backend);
        m.assign(make(om));
        v.assign(make(ov));
        value.assign(make(ow));
      });
      self.accBeta1.assign(mul(self.accBeta1, this.beta1));
      self.accBeta2.assign(mul(self.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}

/** Non-float variables (never in practice): plain tfjs Adam math for one variable. */
function fallbackUpdate(opt: NativeAdamOptimizer, name: string, gradient: Tensor): void {
  const o = opt as unknown as { learningRate: number; beta1: number; beta2: number; epsilon: number } & AdamState;
  const i = o.accumulatedFirstMoment.findIndex((s) => s?.originalName === `${name}/m`);
  const m = o.accumulatedFirstMoment[i].variable, v = o.accumulatedSecondMoment[i].variable;
  const value = engine().registeredVariables[name];
  const nm = add(mul(m, o.beta1), mul(gradient, 1 - o.beta1));
  const nv = add(mul(v, o.beta2), mul(square(gradient), 1 - o.beta2));
  const mh = div(nm, add(neg(o.accBeta1), 1)), vh = div(nv, add(neg(o.accBeta2), 1));
  m.assign(nm);
  v.assign(nv);
  value.assign(add(mul(div(mh, add(sqrt(vh), o.epsilon)), -o.learningRate), value));
}

/** Like `tf.train.adam(...)`, fused on the native backend. */
export function nativeAdam(learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon?: number): NativeAdamOptimizer {
  return new NativeAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
