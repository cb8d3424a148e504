import * as tf from '@kiln/contracts/tf';
import { KilnError, type Logger } from '@kiln/core';
import { hardLabels, imageTensor, sliceBatch, targetTensor, type BatchSlice } from './batch-tensors';
import { isOutOfMemoryError } from '@kiln/engine';
import { allReduceSum, mergeMetricStates } from './distributed';
import { nullProfiler, type Communicator, type DataLoader, type LossFn, type Profiler, type StreamingMetric, type TrainableModel } from '@kiln/contracts';
import { timedBatches } from './profiler/profiled-hooks';
import { runForward } from './forward';

export interface EvaluateTask {
  net: tf.LayersModel;
  /** The model when it has its own `forward` (its `logits` are evaluated); else `net` is applied. */
  model?: TrainableModel;
  loss: LossFn;
  metrics: StreamingMetric[];
  loader: DataLoader;
  /** Batches to run (≤ loader.length). */
  batches: number;
  numClasses: number;
  /** `val` or `test`: the metric key prefix. */
  prefix: string;
  communicator?: Communicator;
  /** Called after each batch (signals, progress). */
  onBatch?: (batchIdx: number) => void;
  /** Out-of-memory retries split batches down to this size (default 1). */
  minBatchSize?: number;
  /** Start with chunks of this size (the trainer's micro-batch after an OOM). */
  microBatch?: number;
  logger?: Logger;
  /** Times data wait, forward and metric updates (`trainer.profiler`). */
  profiler?: Profiler;
}

/** Flattens metric results into `<prefix>/<name>` (or `<prefix>/<name>/<key>` for dict metrics). */
export function metricValues(metrics: StreamingMetric[], prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics) {
    const v = m.compute();
    if (typeof v === 'number') out[`${prefix}/${m.name}`] = v;
    else for (const [k, x] of Object.entries(v)) out[`${prefix}/${m.name}/${k}`] = x;
  }
  return out;
}

/** Inference pass (training=false) with mean loss and streaming metrics, aggregated over ranks. */
export async function evaluate(task: EvaluateTask): Promise<Record<string, number>> {
  for (const m of task.metrics) m.reset();
  let lossSum = 0;
  let count = 0;
  let idx = 0;
  let micro = task.microBatch ?? Infinity;
  const min = task.minBatchSize ?? 1;
  const p = task.profiler ?? nullProfiler;
  /** Forward + metrics for rows [start, end); returns the loss sum. */
  const run = (part: BatchSlice, where: string) =>
    p.phase('forward', () => tf.tidy(() => {
      const logits = runForward(task.model ?? { net: task.net }, imageTensor(part) as tf.Tensor4D, undefined, false, where).logits;
      const l = task.loss.compute(logits, targetTensor(part, task.numClasses, where));
      return { logits: tf.keep(logits), loss: l.dataSync()[0] * part.shape[0] };
    }));
  if (task.batches > 0) {
    for await (const batch of p.enabled ? timedBatches(task.loader, p) : task.loader) {
      const n = batch.shape[0];
      const where = `${task.prefix} batch ${idx} (rows ${batch.rows[0]}…${batch.rows[batch.rows.length - 1]})`;
      // Metrics are updated only once every chunk of the batch succeeded.
      for (;;) {
        const size = Math.min(micro, n);
        const outs: Array<{ logits: tf.Tensor2D; loss: number; part: BatchSlice }> = [];
        try {
          for (let s = 0; s < n; s += size) {
            const part = sliceBatch(batch, s, Math.min(n, s + size));
            outs.push({ ...(run(part, where) as { logits: tf.Tensor2D; loss: number }), part });
          }
        } catch (err) {
          tf.dispose(outs.map((o) => o.logits));
          if (!isOutOfMemoryError(err)) throw err;
          if (size <= min) throw new KilnError(`out of memory in ${where} even with batches of ${size}`, { cause: err });
          micro = Math.max(min, Math.floor(size / 2));
          task.logger?.warn(`out of memory in ${where} with batch ${size}: retrying with batches of ${micro}`);
          continue;
        }
        p.start('metrics');
        for (const o of outs) {
          lossSum += o.loss;
          const labels = hardLabels(o.part);
          for (const m of task.metrics) m.update(o.logits, labels, task.numClasses);
          o.logits.dispose();
        }
        p.stop('metrics');
        break;
      }
      count += n;
      task.onBatch?.(idx);
      // Stop early only when limited: a loader left to finish moves to its next epoch by itself.
      if (++idx >= task.batches && task.batches < task.loader.length) break;
    }
  }
  if (task.communicator && task.communicator.worldSize > 1) {
    [lossSum, count] = await allReduceSum([lossSum, count], task.communicator);
    await mergeMetricStates(task.metrics, task.communicator);
  }
  return { [`${task.prefix}/loss`]: count ? lossSum / count : NaN, ...metricValues(task.metrics, task.prefix) };
}
