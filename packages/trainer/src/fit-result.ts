import { isCheckpointCallback } from '@kiln/contracts';
import type { FitContext } from './fit-context';
import type { FitState } from './fit-state';
import type { FitResult } from './fit-types';

/** The result of a finished `fit`; checkpoint paths come from the checkpoint callback, found by type. */
export function fitResult(ctx: FitContext, state: FitState, resumedFrom: string | undefined): FitResult {
  const ckpt = ctx.cbs.find(isCheckpointCallback);
  return {
    metrics: { ...state.metrics },
    epochsCompleted: state.position.epoch,
    globalStep: state.globalStep,
    best: state.best === null ? undefined : { monitor: ctx.monitor, mode: ctx.monitorMode, value: state.best },
    bestCheckpointPath: ckpt?.bestModelPath,
    lastCheckpointPath: ckpt?.lastModelPath,
    resumedFrom,
    stoppedEarly: state.shouldStop,
  };
}
