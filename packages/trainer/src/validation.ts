import type { DataLoader } from '@kiln/contracts';
import type { WeightEma } from './ema';
import { evaluate } from './evaluate';
import type { FitContext } from './fit-context';
import type { FitState } from './fit-state';

/** One validation pass of the current epoch (on the EMA weights when there are any); returns `val/*`. */
export async function validateEpoch(
  ctx: FitContext,
  state: FitState,
  loader: DataLoader,
  batches: number,
  ema: WeightEma | undefined,
): Promise<Record<string, number>> {
  loader.setEpoch(state.epoch);
  const run = () =>
    evaluate({
      net: ctx.net,
      model: ctx.args.model,
      loss: ctx.args.loss,
      metrics: ctx.metrics,
      loader,
      batches,
      numClasses: ctx.args.data.numClasses,
      prefix: 'val',
      communicator: ctx.comm,
      minBatchSize: ctx.o.minBatchSize,
      microBatch: state.microBatch,
      logger: ctx.logger,
      profiler: ctx.profiler,
    });
  return ema ? ema.withShadowWeights(run) : run();
}
