import type * as tf from '@tensorflow/tfjs';
import { modelOutputs, type ModelOutputs, type TrainableModel } from '@kiln/contracts';

/**
 * The model's outputs as a dict: its `forward` when it has one (training gets the targets,
 * evaluation none), else `net.apply` (bare logits → `{ logits }`). One place, so training,
 * validation and test read `logits` the same way.
 */
export function runForward(
  model: Pick<TrainableModel, 'net' | 'forward'>,
  images: tf.Tensor4D,
  targets: tf.Tensor1D | tf.Tensor2D | undefined,
  training: boolean,
  where: string,
): ModelOutputs {
  const out = model.forward ? model.forward(images, training ? targets : undefined, { training }) : model.net.apply(images, { training });
  return modelOutputs(out, where);
}
