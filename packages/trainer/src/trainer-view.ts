import type { TrainerView } from '@kiln/contracts';
import { getWeightsMap, setWeightsMap } from '@kiln/models';
import type { CheckpointIo } from './checkpoint-io';
import type { FitContext } from './fit-context';
import type { FitState } from './fit-state';

/** The live view callbacks get: reads go to the loop's state; `shouldStop` is the one thing they set. */
export function createTrainerView(
  ctx: FitContext,
  state: FitState,
  io: CheckpointIo,
  batches: () => { train: number; val: number },
): TrainerView {
  return {
    get epoch() { return state.epoch; },
    get globalStep() { return state.globalStep; },
    get maxEpochs() { return ctx.maxEpochs; },
    get maxSteps() { return ctx.maxSteps; },
    get trainBatchesPerEpoch() { return batches().train; },
    get valBatchesPerEpoch() { return batches().val; },
    get metrics() { return state.metrics; },
    get learningRate() { return ctx.args.optimizer.lr; },
    get monitor() { return ctx.monitor; },
    get monitorMode() { return ctx.monitorMode; },
    get runDir() { return ctx.runDir; },
    get isGlobalZero() { return ctx.rank === 0; },
    get logger() { return ctx.logger; },
    get shouldStop() { return state.shouldStop; },
    set shouldStop(v: boolean) { state.shouldStop = v; },
    saveCheckpoint: (path: string) => io.save(path),
    getWeights: () => getWeightsMap(ctx.net),
    setWeights: (w: Map<string, Float32Array>) => {
      io.weightsEdited(); // the next checkpoint is written afresh, not linked to one of the old weights
      setWeightsMap(ctx.net, w);
    },
  };
}
