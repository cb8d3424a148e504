import * as tf from '@tensorflow/tfjs';
import type { Calibration } from './calibrate';
import { QuantizeError } from './errors';
import type { Int8Kernels, Int8Op } from './kernels';
import { oneTensor, overrideCalls } from './layer-hooks';
import { absorbedLayers, type Int8Plan } from './plan';
import { int8InputParams } from './quant-math';
import { opSpec } from './specs';

/** The plan after calibration: every op must have its input range (a cache from another model has not). */
export function finalPlan(plan: Int8Plan, cal: Calibration): Int8Plan {
  for (const op of plan.ops) {
    if (!cal.ranges[op.layer]) throw new QuantizeError(`int8: no calibration range for layer '${op.layer}' (the calibration does not match the model)`);
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
  const prepared = new Map<string, { kind: 'conv' | 'dense'; op: Int8Op }>();
  try {
    for (const op of plan.ops) {
      const s = opSpec(net, op, int8InputParams(cal.ranges[op.layer]), qmax);
      prepared.set(op.layer, { kind: s.kind, op: s.kind === 'conv' ? kernels.createConv(s.spec) : kernels.createDense(s.spec) });
    }
  } catch (err) {
    for (const p of prepared.values()) p.op.dispose?.();
    throw err;
  }
  const calls = new Map<string, Parameters<typeof overrideCalls>[1] extends Map<string, infer F> ? F : never>();
  for (const [name, p] of prepared) {
    calls.set(name, () => (inputs) => (p.kind === 'conv' ? kernels.conv2d(oneTensor(inputs) as tf.Tensor4D, p.op) : kernels.dense(oneTensor(inputs), p.op)));
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
      for (const p of prepared.values()) p.op.dispose?.();
    },
  };
}
