import type * as tf from '@tensorflow/tfjs';
import { QuantizeError } from './errors';
import type { Int8ConvSpec, Int8DenseSpec, Int8Kernels, Int8Op, Int8SupportInfo } from './kernels';

/** The part of `@kiln/backend-native`'s int8 API used here (its `src/int8.ts`). */
interface NativeInt8Api {
  createInt8Conv(spec: Int8ConvSpec): Int8Op;
  createInt8Dense(spec: Int8DenseSpec): Int8Op;
  int8Conv2d(x: tf.Tensor4D, op: Int8Op): tf.Tensor4D;
  int8Dense(x: tf.Tensor, op: Int8Op): tf.Tensor;
  int8Support(): Int8SupportInfo;
}

const NEEDED = ['createInt8Conv', 'createInt8Dense', 'int8Conv2d', 'int8Dense', 'int8Support'] as const;

/**
 * oneDNN int8 convs and matmuls from Kiln's native backend. Fails with one line when the
 * backend (or its int8 kernels) is not there, e.g. the addon was not built on this machine.
 */
export async function nativeInt8Kernels(): Promise<Int8Kernels> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import('@kiln/backend-native')) as unknown as Record<string, unknown>;
  } catch (err) {
    throw new QuantizeError(`int8 inference needs Kiln's native backend (@kiln/backend-native), which did not load: ${(err as Error).message}`);
  }
  const missing = NEEDED.filter((k) => typeof mod[k] !== 'function');
  if (missing.length) throw new QuantizeError(`int8 inference needs @kiln/backend-native's int8 kernels; this build has no ${missing.join(', ')}`);
  const api = mod as unknown as NativeInt8Api;
  const support = api.int8Support();
  if (!support.available) throw new QuantizeError(`int8 inference needs Kiln's native backend: ${support.reason ?? 'its int8 kernels are not available on this machine'}`);
  return {
    name: 'native',
    support: () => api.int8Support(),
    createConv: (spec) => api.createInt8Conv(spec),
    createDense: (spec) => api.createInt8Dense(spec),
    conv2d: (x, op) => api.int8Conv2d(x, op),
    dense: (x, op) => api.int8Dense(x, op),
  };
}
