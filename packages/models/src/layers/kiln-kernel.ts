import * as tf from '@kiln/contracts/tf';

/**
 * True when the active backend registers Kiln's fused kernel `name` (see `KILN_KERNELS` in
 * `@kiln/contracts`); such a backend also registers the kernel's gradient.
 */
export function hasKilnKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** Runs a Kiln kernel through the engine, so autodiff records it (its gradient is the backend's). */
export function runKilnKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor | tf.Tensor[] {
  return tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
}

/** The single input tensor of a layer call (tfjs passes a tensor or a one-element list). */
export function oneTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (!Array.isArray(inputs)) return inputs;
  if (inputs.length !== 1) throw new Error(`expected exactly one input tensor, got ${inputs.length}`);
  return inputs[0];
}

/**
 * Runs a `tf.customGrad` gradient function in its own tidy: tfjs calls it outside any scope,
 * so its temporaries would otherwise live until the whole backward pass ends.
 */
export function tidyGrads<S extends tf.Tensor[]>(fn: (dy: tf.Tensor, saved: S) => tf.Tensor[]): (dy: tf.Tensor, saved: S) => tf.Tensor[] {
  return (dy, saved) => tf.tidy(() => fn(dy, saved));
}
