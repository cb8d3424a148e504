/**
 * Zoo models at their default configs (configs/model/*.yaml) with the trainer's own step:
 * forward, @kiln/losses cross-entropy, gradients, @kiln/trainer Adam.
 */
import * as tf from '@tensorflow/tfjs';
import { CrossEntropyLoss } from '@kiln/losses';
import { MobileNetV2, Mlp, ResNet, SimpleCnn, VitTiny, type ZooModel } from '@kiln/models';
import { Adam } from '@kiln/trainer';

const inputShape: [number, number, number] = [32, 32, 3];
const numClasses = 6;

export const ZOO_MODELS: Record<string, () => ZooModel> = {
  mlp: () => new Mlp({ numClasses, inputShape, hidden: [256, 128], dropout: 0.2 }),
  simple_cnn: () => new SimpleCnn({ numClasses, inputShape, channels: [32, 64, 128], hidden: 128, dropout: 0.25 }),
  resnet: () => new ResNet({ numClasses, inputShape, depth: 18, widthMultiplier: 1 }),
  mobilenet_v2: () => new MobileNetV2({ numClasses, inputShape, widthMultiplier: 1, dropout: 0.2 }),
  vit_tiny: () => new VitTiny({ numClasses, inputShape, patchSize: 4, dim: 192, depth: 12, heads: 3, mlpRatio: 4 }),
};

/** One trainer-style step (loss value read back, like the trainer's logging). */
export function makeZooStep(model: ZooModel, batchSize: number): () => void {
  const loss = new CrossEntropyLoss();
  const opt = new Adam({ lr: 1e-3 });
  const x = tf.randomNormal([batchSize, ...inputShape]);
  const y = tf.randomUniform([batchSize], 0, numClasses, 'int32');
  const vars = new Map(model.net.trainableWeights.map((w) => [w.read().name, w.read() as tf.Variable]));
  return () => {
    const { value, grads } = tf.variableGrads(
      () => loss.compute(model.net.apply(x, { training: true }) as tf.Tensor2D, y as tf.Tensor1D),
    );
    opt.step(new Map(Object.entries(grads)), vars);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
}
