import { KilnError } from '@kiln/core';
import type { DataLoader } from '@kiln/contracts';
import type { FitContext } from './fit-context';
import { memoryLoader, resolveLimit, takeBatches } from './loop-helpers';

export interface FitLoaders {
  train: DataLoader;
  val: DataLoader | undefined;
  /** Batches run per epoch (after limits, fast dev run, overfitting). */
  trainBatches: number;
  valBatches: number;
}

/** The loaders of this rank's shard with the batch limits applied; logs what an epoch will run. */
export async function fitLoaders(ctx: FitContext): Promise<FitLoaders> {
  const { data } = ctx.args;
  const { o, fastDev, logger } = ctx;
  const shard = ctx.comm ? { rank: ctx.rank, worldSize: ctx.worldSize } : undefined;
  let train = data.trainLoader(shard);
  let val = data.valLoader(shard);
  let trainBatches: number;
  let valBatches: number;
  if (o.overfitBatches > 0) {
    const cached = await takeBatches(train, Math.min(o.overfitBatches, train.length));
    train = memoryLoader(cached);
    val = memoryLoader(cached);
    trainBatches = valBatches = cached.length;
    logger.info(`overfitBatches=${o.overfitBatches}: training and validating on the same ${cached.length} batches`);
  } else {
    trainBatches = resolveLimit(fastDev || o.limitTrainBatches, train.length);
    valBatches = val ? resolveLimit(fastDev || o.limitValBatches, val.length) : 0;
  }
  const size = (l: DataLoader | undefined) => {
    const n = (l as { size?: unknown } | undefined)?.size;
    return typeof n === 'number' ? ` (${n} samples)` : '';
  };
  logger.info(
    `train: ${trainBatches} of ${train.length} batches/epoch${size(train)}; ` +
      `val: ${valBatches}${val ? ` of ${val.length}` : ''} batches${size(val)}`,
  );
  if (trainBatches === 0) throw new KilnError('the training loader has no batches (is the training split empty?)');
  return { train, val, trainBatches, valBatches };
}
