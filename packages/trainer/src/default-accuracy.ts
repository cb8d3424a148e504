import * as tf from '@tensorflow/tfjs';
import type { StreamingMetric } from './types';

/** Top-1 accuracy, used when no metrics are configured (`@kiln/metrics`' `accuracy` is preferred). */
export class TopOneAccuracy implements StreamingMetric {
  readonly name = 'accuracy';
  private correct = 0;
  private total = 0;

  update(scores: tf.Tensor2D | Float32Array, targets: tf.Tensor1D | Int32Array, numClasses?: number): void {
    const labels = targets instanceof Int32Array ? targets : (targets.dataSync() as Int32Array);
    let predicted: ArrayLike<number>;
    if (scores instanceof Float32Array) {
      const k = numClasses ?? scores.length / labels.length;
      const out = new Int32Array(labels.length);
      for (let i = 0; i < labels.length; i++) {
        let best = 0;
        for (let j = 1; j < k; j++) if (scores[i * k + j] > scores[i * k + best]) best = j;
        out[i] = best;
      }
      predicted = out;
    } else {
      predicted = tf.tidy(() => scores.argMax(-1).dataSync());
    }
    for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) this.correct++;
    this.total += labels.length;
  }
  compute(): number {
    return this.total === 0 ? 0 : this.correct / this.total;
  }
  reset(): void {
    this.correct = 0;
    this.total = 0;
  }
  state(): number[] {
    return [this.correct, this.total];
  }
  merge(state: number[]): void {
    this.correct += state[0];
    this.total += state[1];
  }
}
