// Public API of @kiln/trainer (named exports only).
// The callback contract lives in @kiln/contracts; re-exported so `extends Callback` needs one import.
export { Callback, callHook } from '@kiln/contracts';
export type { TrainerView, TrainBatchEnd, EpochEnd, HookName } from '@kiln/contracts';
export { Trainer } from './trainer';
export type { EvaluateArgs } from './trainer';
export type { FitArgs, FitResult } from './fit-types';
export { trainerOptionsSchema, trainerDevices } from './trainer-options';
export type { TrainerOptions, ResolvedTrainerOptions } from './trainer-options';
export { NonFiniteLossError, TrainingInterruptedError, CheckpointError } from './errors';
export {
  saveCheckpoint,
  loadCheckpoint,
  encodeCheckpoint,
  decodeCheckpoint,
  CHECKPOINT_MAGIC,
  CHECKPOINT_VERSION,
} from './checkpoint';
export type { CheckpointPayload, NamedArray, OptimizerSlotEntry } from './checkpoint';
export { findResumeCheckpoint } from './resume';
export { restoreModelFromCheckpoint } from './restore-model';
export type { RestoredModel } from './restore-model';
export { BaseOptimizer, slotKey, parseSlotKey } from './optimizers/optimizer';
export type { Optimizer, OptimizerState } from './optimizers/optimizer';
export { Sgd } from './optimizers/sgd';
export type { SgdOptions } from './optimizers/sgd';
export { Adam } from './optimizers/adam';
export type { AdamOptions } from './optimizers/adam';
export { AdamW } from './optimizers/adamw';
export type { AdamWOptions } from './optimizers/adamw';
export { RmsProp } from './optimizers/rmsprop';
export type { RmsPropOptions } from './optimizers/rmsprop';
export { PositionScheduler } from './schedulers/scheduler';
export type { LrScheduler, ScheduleContext } from './schedulers/scheduler';
export { CosineScheduler } from './schedulers/cosine';
export type { CosineOptions } from './schedulers/cosine';
export { StepScheduler } from './schedulers/step';
export type { StepOptions } from './schedulers/step';
export { MultiStepScheduler } from './schedulers/multistep';
export type { MultiStepOptions } from './schedulers/multistep';
export { OneCycleScheduler } from './schedulers/onecycle';
export type { OneCycleOptions } from './schedulers/onecycle';
export { ReduceOnPlateauScheduler } from './schedulers/reduce-on-plateau';
export type { ReduceOnPlateauOptions } from './schedulers/reduce-on-plateau';
export { WeightEma } from './ema';
export { Teacher, teacherCheckpointFile } from './teacher';
export { runForward } from './forward';
export { setWeightsOrdered } from './weights';
export { clipByValue, clipByGlobalNorm } from './gradients';
export { register } from './register';
export { SimpleProfiler } from './profiler/simple-profiler';
export type { PhaseTotals } from './profiler/simple-profiler';
export { createProfiler, finishProfile, profilerKindOf, startKernelTiming } from './profiler/profile-session';
export type { ProfilerKind } from './profiler/profile-session';
export { buildReport, formatReport } from './profiler/profile-report';
export type { ProfileReport, PhaseRow, KernelRow } from './profiler/profile-report';
export { trainFromConfig, assembleRun, checkRunConfig } from './train-from-config';
export type { TrainFromConfigArgs, AssembledRun } from './train-from-config';
export { enterPrecision, precisionLine, precisionSchema, resolvePrecision, PRECISIONS, PRECISION_ALIASES } from './precision';
export type { Precision } from './precision';
export { GradScaler } from './grad-scaler';
export type { GradScalerOptions, GradScalerState } from './grad-scaler';
