import * as tf from '@kiln/contracts/tf';
import { KILN_KERNELS, type GeluAttrs } from '@kiln/contracts';
import { hasKilnKernel, oneTensor, runKilnKernel, tidyGrads } from './kiln-kernel';

export interface GeluArgs {
  name?: string;
  /** `true`: tanh approximation (tfjs `gelu_new`); `false` (default): exact erf form (tfjs `gelu`, `torch.nn.GELU()`). */
  approximate?: boolean;
}

/**
 * GELU as one layer: the backend's fused `KilnGelu` kernel (with its single-kernel gradient)
 * when registered, else standard ops with a closed-form custom gradient.
 */
export class Gelu extends tf.layers.Layer {
  static readonly className = 'KilnGelu';
  readonly approximate: boolean;

  constructor(args: GeluArgs = {}) {
    super(args);
    this.approximate = args.approximate ?? false;
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => gelu(oneTensor(inputs), this.approximate));
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), approximate: this.approximate };
  }
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TANH_C = Math.sqrt(2 / Math.PI);

export function gelu(x: tf.Tensor, approximate = false): tf.Tensor {
  if (hasKilnKernel(KILN_KERNELS.Gelu)) {
    const attrs: GeluAttrs = { approximate };
    return runKilnKernel(KILN_KERNELS.Gelu, { x }, attrs) as tf.Tensor;
  }
  return geluOps(x, approximate);
}

/** Standard-op GELU; the gradient is `Φ(x) + x·φ(x)` (exact) or the tanh form's derivative. */
export function geluOps(x: tf.Tensor, approximate = false): tf.Tensor {
  const fn = tf.customGrad((xi, save) => {
    const xt = xi as tf.Tensor;
    (save as tf.GradSaveFunc)([xt]);
    const value = approximate
      ? tf.mul(tf.mul(xt, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(xt, tf.mul(tf.pow(xt, 3), 0.044715)), TANH_C))))
      : tf.mul(tf.mul(xt, 0.5), tf.add(1, tf.erf(tf.mul(xt, SQRT1_2))));
    return {
      value,
      gradFunc: tidyGrads((dy: tf.Tensor, [s]: tf.Tensor[]) => {
        if (approximate) {
          const x2 = tf.square(s);
          const t = tf.tanh(tf.mul(tf.mul(s, tf.add(1, tf.mul(x2, 0.044715))), TANH_C));
          const dt = tf.mul(tf.sub(1, tf.square(t)), tf.mul(tf.add(1, tf.mul(x2, 3 * 0.044715)), TANH_C));
          return [tf.mul(dy, tf.add(tf.mul(tf.add(1, t), 0.5), tf.mul(tf.mul(s, 0.5), dt)))];
        }
        const cdf = tf.mul(tf.add(1, tf.erf(tf.mul(s, SQRT1_2))), 0.5);
        const pdf = tf.mul(tf.exp(tf.mul(tf.square(s), -0.5)), INV_SQRT_2PI);
        return [tf.mul(dy, tf.add(cdf, tf.mul(s, pdf)))];
      }),
    };
  });
  return fn(x);
}
