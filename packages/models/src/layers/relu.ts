import * as tf from '@kiln/contracts/tf';
import { oneTensor, tidyGrads } from './kiln-kernel';

/**
 * ReLU whose gradient reads its output (`dy · step(y)`, exact since y > 0 ⇔ x > 0) instead
 * of its input, as PyTorch does: after `conv → BN → ReLU` the tape then keeps the ReLU output
 * (which the next layer keeps anyway) and frees the batch-norm output.
 */
export class ReLU extends tf.layers.Layer {
  static readonly className = 'KilnReLU';

  constructor(args: { name?: string; trainable?: boolean } = {}) {
    super(args);
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return reluSavingOutput(oneTensor(inputs));
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }
}

export function reluSavingOutput(x: tf.Tensor): tf.Tensor {
  const fn = tf.customGrad((xi, save) => {
    const y = tf.relu(xi as tf.Tensor);
    (save as tf.GradSaveFunc)([y]);
    return { value: y, gradFunc: tidyGrads((dy: tf.Tensor, [sy]: tf.Tensor[]) => [tf.mul(dy, tf.step(sy))]) };
  });
  return fn(x);
}
