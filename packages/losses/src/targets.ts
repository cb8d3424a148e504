import * as tf from '@kiln/contracts/tf';
import { DataError } from '@kiln/core';

/**
 * Turns `targets` into an n×k float matrix: 1-D class ids become one-hot rows, 2-D soft
 * targets (MixUp/CutMix) pass through. Shapes are checked here so every loss fails with
 * the same clear message instead of a broadcasting error deep inside tfjs.
 */
export function targetMatrix(logits: tf.Tensor, targets: tf.Tensor, loss: string): tf.Tensor2D {
  if (logits.rank !== 2) {
    throw new DataError(`${loss}: logits must be 2-D [batch, classes], got shape [${logits.shape.join(', ')}]`);
  }
  const [n, k] = logits.shape as [number, number];
  if (targets.rank === 1) {
    if (targets.shape[0] !== n) {
      throw new DataError(`${loss}: ${targets.shape[0]} class ids for a batch of ${n} logits rows`);
    }
    const ids = targets.dtype === 'int32' ? targets : tf.cast(targets, 'int32');
    return tf.oneHot(ids as tf.Tensor1D, k).toFloat() as tf.Tensor2D;
  }
  if (targets.rank === 2) {
    if (targets.shape[0] !== n || targets.shape[1] !== k) {
      throw new DataError(
        `${loss}: soft targets have shape [${targets.shape.join(', ')}], logits [${n}, ${k}]; they must match`,
      );
    }
    return (targets.dtype === 'float32' ? targets : tf.cast(targets, 'float32')) as tf.Tensor2D;
  }
  throw new DataError(`${loss}: targets must be 1-D class ids or 2-D soft targets, got rank ${targets.rank}`);
}

/** Checks a per-class option (`classWeights`, `alpha`, `posWeight`) has one value per class. */
export function perClassVector(values: number[], k: number, loss: string, key: string): tf.Tensor1D {
  if (values.length !== k) {
    throw new DataError(`${loss}: '${key}' has ${values.length} values but the logits have ${k} classes`);
  }
  return tf.tensor1d(values, 'float32');
}
