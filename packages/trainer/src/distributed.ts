import * as tf from '@kiln/contracts/tf';
import type { Communicator, StreamingMetric } from '@kiln/contracts';
import type { WeightEma } from './ema';
import { setWeightsOrdered } from './weights';

/** Gives every rank rank 0's initial weights. */
export async function broadcastWeights(net: tf.LayersModel, comm: Communicator): Promise<void> {
  const arrays = net.weights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
  const received = await comm.broadcast(arrays);
  setWeightsOrdered(net, received);
}

/** BatchNorm running statistics (tfjs-layers' and Kiln's BatchNorm name them so). */
const RUNNING_STAT = /(^|\/)moving_(mean|variance)(_\d+)?$/;

/**
 * Gives every rank the mean over ranks of its BatchNorm running statistics (and of their EMA
 * shadows when `ema` is on), as timm's `distribute_bn` does before evaluation. Each rank's
 * statistics follow its own shard of the batch, so without this validation (sharded over ranks)
 * would run each shard with other statistics and the checkpoint would hold rank 0's alone. Other
 * non-trainable weights (frozen layers) are equal on every rank already and are left untouched.
 */
export async function averageRunningStats(net: tf.LayersModel, comm: Communicator, ema?: WeightEma): Promise<void> {
  const idx = net.weights.flatMap((w, i) => (!w.trainable && RUNNING_STAT.test(w.originalName ?? w.name) ? [i] : []));
  if (comm.worldSize <= 1 || idx.length === 0) return;
  const targets: { read(): tf.Tensor; write(t: tf.Tensor): void }[] = idx.map((i) => net.weights[i]);
  if (ema) for (const i of idx) targets.push({ read: () => ema.shadowAt(i), write: (t) => ema.shadowAt(i).assign(t) });
  const mean = await comm.allReduceMean(targets.map((v) => Float32Array.from(v.read().dataSync() as Float32Array)));
  tf.tidy(() => targets.forEach((v, i) => v.write(tf.tensor(mean[i], v.read().shape, 'float32'))));
}

/**
 * Averages gradients (in trainable-weight order) and a few scalars across ranks in one
 * collective. Disposes the input gradients.
 */
export async function allReduceGradients(
  grads: Map<string, tf.Tensor>,
  scalars: number[],
  comm: Communicator,
): Promise<{ grads: Map<string, tf.Tensor>; scalars: number[] }> {
  const keys = [...grads.keys()];
  const arrays = await Promise.all(keys.map(async (k) => (await grads.get(k)!.data()) as Float32Array));
  const reduced = await comm.allReduceMean([...arrays, Float32Array.from(scalars)]);
  const out = new Map<string, tf.Tensor>();
  keys.forEach((k, i) => {
    const g = grads.get(k)!;
    out.set(k, tf.tensor(reduced[i], g.shape, 'float32'));
    g.dispose();
  });
  return { grads: out, scalars: Array.from(reduced[keys.length]) };
}

/** Sums of `values` over all ranks (every rank gets the same numbers). */
export async function allReduceSum(values: number[], comm: Communicator): Promise<number[]> {
  if (comm.worldSize <= 1) return values;
  const [sum] = await comm.allReduceSum([Float32Array.from(values)]);
  return Array.from(sum);
}

/** Makes every rank's metrics hold the global state: every rank's state, merged in rank order. */
export async function mergeMetricStates(metrics: StreamingMetric[], comm: Communicator): Promise<void> {
  if (comm.worldSize <= 1 || metrics.length === 0) return;
  const gathered = await comm.allGather(metrics.map((m) => Float32Array.from(m.state())));
  metrics.forEach((m, i) => {
    m.reset();
    for (const rankStates of gathered) m.merge(Array.from(rankStates[i]));
  });
}
