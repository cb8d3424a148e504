import * as tf from '@tensorflow/tfjs';
import { isNativeAvailable, registerNativeBackend } from '@kiln/backend-native';

/**
 * Backends the layer tests run on: `cpu` always, `native` when `@kiln/backend-native`'s
 * addon is built here (registered with a low priority so it does not become the default).
 */
export function testBackends(): string[] {
  const out = ['cpu'];
  if (isNativeAvailable() && registerNativeBackend({ priority: 0 })) out.push('native');
  return out;
}

export async function useBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not initialise`);
}

/** Max |a - b| relative to max(1, |b|). */
export function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  if (x.length !== y.length) throw new Error(`sizes differ: ${x.length} vs ${y.length}`);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(y[i])));
  return m;
}
