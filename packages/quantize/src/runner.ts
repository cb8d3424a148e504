import * as tf from '@tensorflow/tfjs';
import type { Calibration } from './calibrate';
import { QuantizeError } from './errors';
import type { Int8Kernels, Int8Op } from './kernels';
import { oneTensor, overrideCalls } from './layer-hooks';
import { absorbedLayers, type Int8Plan } from './plan';
import { int8InputParams } from './quant-math';
import { attentionSpecs, opSpec } from './specs';
import { attentionWith, outKey, qkvKey } from './attention';

/** The plan after calibration: every op must have its input range (a cache from another model has not). */
export function finalPlan(plan: Int8Plan, cal: Calibration): Int8Plan {
  for (const op of plan.ops) {
    const keys = op.kind === 'attention' ? [qkvKey(op.layer), outKey(op.layer)] : [op.layer];
    if (keys.some((k) => !cal.ranges[k])) throw new QuantizeError(`int8: no calibration range for layer '${op.layer}' (the calibration does not match the model)`);
  }
  return plan;
}

export interface Int8Model {
  plan: Int8Plan;
  /** Puts the fp32 layers back and frees the int8 primitives. */
  restore(): void;
}

/**
 * Runs `net` through int8 kernels in place: each planned layer's `call` becomes its int8 op,
 * each folded batch norm / fused ReLU an identity (a clone: the executor frees layer outputs by
 * count). `net.predict` (inside tf.tidy or not) then is the int8 forward until `restore()`.
 */
export function applyInt8(net: tf.LayersModel, plan: Int8Plan, cal: Calibration, kernels: Int8Kernels, qmax: number): Int8Model {
  const created: Int8Op[] = [];
  const make = <T>(create: (spec: T) => Int8Op, spec: T) => {
    const op = create(spec);
    created.push(op);
    return op;
  };
  const calls = new Map<string, Parameters<typeof overrideCalls>[1] extends Map<string, infer F> ? F : never>();
  try {
    for (const op of plan.ops) {
      if (op.kind === 'attention') {
        const a = attentionSpecs(net, op, int8InputParams(cal.ranges[qkvKey(op.layer)]), int8InputParams(cal.ranges[outKey(op.layer)]), qmax);
        const qkv = make(kernels.createDense, a.qkv);
        const out = make(kernels.createDense, a.out);
        calls.set(op.layer, () => (inputs) => attentionWith(oneTensor(inputs), a.dim, a.heads, (x2) => kernels.dense(x2, qkv), (m) => kernels.dense(m, out)));
        continue;
      }
      const s = opSpec(net, op, int8InputParams(cal.ranges[op.layer]), qmax);
      if (s.kind === 'conv') {
        const conv = make(kernels.createConv, s.spec);
        calls.set(op.layer, () => (inputs) => kernels.conv2d(oneTensor(inputs) as tf.Tensor4D, conv));
      } else {
        const dense = make(kernels.createDense, s.spec);
        calls.set(op.layer, () => (inputs) => kernels.dense(oneTensor(inputs), dense));
      }
    }
  } catch (err) {
    for (const o of created) o.dispose?.();
    throw err;
  }
  for (const name of absorbedLayers(plan)) calls.set(name, () => (inputs) => tf.clone(oneTensor(inputs)));
  const restoreCalls = overrideCalls(net, calls);
  let restored = false;
  return {
    plan,
    restore() {
      if (restored) return;
      restored = true;
      restoreCalls();
      for (const o of created) o.dispose?.();
    },
  };
}
