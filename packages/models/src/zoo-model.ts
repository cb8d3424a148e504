import type * as tf from '@tensorflow/tfjs';
import { summarizeModel } from './summary';

/** What every zoo model exposes: the built network (logits out) and a printable summary. */
export abstract class ZooModel {
  abstract readonly net: tf.LayersModel;

  summary(): string {
    return summarizeModel(this.net);
  }

  /** Frees the weights (tfjs does not garbage-collect tensors). */
  dispose(): void {
    this.net.dispose();
  }
}
