import * as tf from '@kiln/contracts/tf';
import { hardLabels, imageTensor, sliceBatch, targetTensor, type BatchSlice } from './batch-tensors';
import { accumulate, disposeGrads, releaseFailedTape } from './gradients';
import { nullProfiler, type LossFn, type Profiler, type TrainableModel } from '@kiln/contracts';
import { runForward } from './forward';
import type { Teacher } from './teacher';
import { variableGradsReleasing } from '@kiln/models';

export interface BatchGradients {
  /** Sum of `weight`-scaled gradients over the micro-batches. */
  grads: Map<string, tf.Tensor>;
  /** Mean loss over the batch's samples (unscaled). */
  loss: number;
  correct: number;
  count: number;
  /** Loss terms a loss recorded (`kd_loss`, `ce_loss`), means over the batch. */
  terms: Record<string, number>;
}

export interface GradientTask {
  net: tf.LayersModel;
  /** The model when it has its own `forward` (dict outputs, a returned loss); else `net` is applied. */
  model?: TrainableModel;
  /** A distillation loss's teacher; its logits are computed outside the gradient tape. */
  teacher?: Teacher;
  loss: LossFn;
  vars: Map<string, tf.Variable>;
  numClasses: number;
  /** Scale applied to the gradient of the batch-mean loss (1 / accumulateGradBatches). */
  scale: number;
  where: string;
  /** Times forward, backward and the accuracy count (`trainer.profiler`). */
  profiler?: Profiler;
}

/**
 * Forward + backward for one batch, split into micro-batches of `microBatch` rows. Each
 * micro-batch's mean loss is weighted by its share of the batch, so the summed gradient is
 * the full batch's mean-loss gradient whatever the split. On error nothing leaks and the
 * error propagates (the caller decides about OOM retries).
 */
export function batchGradients(task: GradientTask, batch: BatchSlice, microBatch: number): BatchGradients {
  const n = batch.shape[0];
  const varList = [...task.vars.values()];
  let grads: Map<string, tf.Tensor> | undefined;
  let lossSum = 0;
  const terms: Record<string, number> = {};
  let correct = 0;
  let predicted: tf.Tensor | undefined;
  const p = task.profiler ?? nullProfiler;
  try {
    for (let start = 0; start < n; start += microBatch) {
      const end = Math.min(n, start + microBatch);
      const part = sliceBatch(batch, start, end);
      const share = (end - start) / n;
      let value = 0;
      const result = tf.tidy(() => {
        const x = imageTensor(part);
        const y = targetTensor(part, task.numClasses, task.where);
        // frees each tape node's saved tensors as soon as backprop is past it (PyTorch-like peak memory)
        const teacherLogits = task.teacher ? p.phase('teacher', () => task.teacher!.logits(x as tf.Tensor4D)) : undefined;
        const record = (name: string, v: tf.Scalar) => (terms[name] = (terms[name] ?? 0) + v.dataSync()[0] * (end - start));
        const grads = variableGradsReleasing(() => {
          p.start('forward');
          const out = runForward(task.model ?? { net: task.net }, x as tf.Tensor4D, y, true, task.where);
          const logits = out.logits;
          predicted = tf.keep(logits.argMax(-1));
          // A loss the model returns replaces the configured one (HF-style `outputs.loss`).
          const l = out.loss ?? task.loss.compute(logits, y, { teacherLogits, record });
          value = l.dataSync()[0];
          const weight = share * task.scale;
          const scaled = weight === 1 ? l : (l.mul(weight) as tf.Scalar);
          // The loss was read back (dataSync), so the forward kernels have run; the tape's backward follows.
          p.stop('forward');
          p.start('backward');
          return scaled;
        }, varList);
        p.stop('backward');
        return grads;
      });
      result.value.dispose();
      const partGrads = new Map<string, tf.Tensor>();
      for (const v of varList) {
        const g = result.grads[v.name];
        // Variables the loss does not reach get a zero gradient, like torch's `grad is None` skip.
        partGrads.set(v.name, g ?? tf.zerosLike(v));
      }
      grads = accumulate(grads, partGrads);
      lossSum += value * (end - start);
      p.start('metrics');
      const labels = hardLabels(part);
      const pred = predicted!.dataSync();
      predicted!.dispose();
      for (let i = 0; i < labels.length; i++) if (pred[i] === labels[i]) correct++;
      p.stop('metrics');
    }
  } catch (err) {
    releaseFailedTape();
    predicted?.dispose();
    disposeGrads(grads);
    throw err;
  }
  for (const k of Object.keys(terms)) terms[k] /= n;
  return { grads: grads!, loss: lossSum / n, correct, count: n, terms };
}
