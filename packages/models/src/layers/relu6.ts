import * as tf from '@kiln/contracts/tf';
import { oneTensor } from './kiln-kernel';

/**
 * `min(max(x, 0), 6)` as the single `Relu6` kernel. tfjs-layers' `ReLU({ maxValue: 6 })` runs
 * relu + clipByValue, whose forward and gradient expand into comparison/select chains; the
 * Relu6 kernel has one gradient op, which fast backends fuse.
 */
export class ReLU6 extends tf.layers.Layer {
  static readonly className = 'KilnReLU6';

  constructor(args: { name?: string; trainable?: boolean } = {}) {
    super(args);
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.relu6(oneTensor(inputs));
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }
}
