import * as tf from '@kiln/contracts/tf';

/**
 * `a + b` for same-shape tensors (residual connections). tfjs's Add gradient keeps both inputs
 * (only to read their shapes); this one keeps nothing, so e.g. the batch-norm output feeding a
 * residual sum is freed after the forward pass.
 */
export class ResidualAdd extends tf.layers.Layer {
  static readonly className = 'KilnResidualAdd';

  constructor(args: { name?: string; trainable?: boolean } = {}) {
    super(args);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    if (!Array.isArray(inputs) || inputs.length !== 2) {
      throw new Error(`ResidualAdd '${this.name}' takes exactly two inputs`);
    }
    return residualAdd(inputs[0], inputs[1]);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const shapes = inputShape as tf.Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2 || JSON.stringify(shapes[0]) !== JSON.stringify(shapes[1])) {
      throw new Error(`ResidualAdd '${this.name}' needs two inputs of one shape, got ${JSON.stringify(inputShape)}`);
    }
    return shapes[0];
  }
}

export function residualAdd(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (!tf.util.arraysEqual(a.shape, b.shape)) {
    throw new Error(`residualAdd: shapes [${a.shape}] and [${b.shape}] differ`);
  }
  const fn = tf.customGrad((ai, bi) => ({
    value: tf.add(ai as tf.Tensor, bi as tf.Tensor),
    // Two distinct tensors (the engine disposes gradients one by one).
    gradFunc: (dy: tf.Tensor) => [tf.clone(dy), tf.clone(dy)],
  }));
  return fn(a, b);
}
