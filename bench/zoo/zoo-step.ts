/**
 * A zoo model at its default config (configs/model/<name>.yaml) and the trainer's step on it, as
 * the zoo benchmarks run them: cross-entropy from @kiln/losses, gradients through @kiln/models'
 * releasing tape (or plain tf.variableGrads), the trainer's Adam, the loss read every step.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'yaml';
import { ComponentBuilder, createRegistries } from '@kiln/core';
import { CrossEntropyLoss } from '@kiln/losses';
import { register as registerModels, variableGradsReleasing, type ZooModel } from '@kiln/models';
import { Adam } from '@kiln/trainer';

/** configs/model/<name>.yaml built as a user gets it (seed 0). */
export function buildZooNet(name: string, inputShape: [number, number, number], numClasses: number): tf.LayersModel {
  const node = parse(readFileSync(join(__dirname, '../../configs/model', `${name}.yaml`), 'utf8')) as Record<string, unknown>;
  const builder = new ComponentBuilder(createRegistries(registerModels), { seed: 0 });
  return builder.build<ZooModel>('models', node, 'model', { numClasses, inputShape }).net;
}

export interface ZooStepOptions {
  /** plain tf.variableGrads instead of the trainer's releasing tape (`--tf-grads`) */
  tfGrads?: boolean;
  /** called with the loss inside the taped function (the end of the forward pass) */
  afterForward?: () => void;
}

/** One training step of `net` on the fixed batch (x, y): forward, loss, gradients, Adam (lr 1e-3). */
export function zooTrainStep(net: tf.LayersModel, x: tf.Tensor, y: tf.Tensor1D, o: ZooStepOptions = {}): () => void {
  const variableGrads = o.tfGrads ? tf.variableGrads : variableGradsReleasing;
  const loss = new CrossEntropyLoss();
  const optimizer = new Adam({ lr: 1e-3 });
  const vars = new Map(net.trainableWeights.map((w) => [w.name, w.read() as tf.Variable]));
  const varList = [...vars.values()];
  return () => {
    const { value, grads } = tf.tidy(() =>
      variableGrads(() => {
        const l = loss.compute(net.apply(x, { training: true }) as tf.Tensor2D, y);
        o.afterForward?.();
        return l;
      }, varList),
    );
    value.dataSync(); // the trainer reads the loss every step
    const map = new Map(Object.entries(grads));
    optimizer.step(map, vars);
    tf.dispose([value, ...map.values()]);
  };
}
