// Public API of @kiln/contracts: the shared shapes, defined once (types plus tiny guards).
export {
  KILN_KERNELS,
  type KilnKernelName,
  type LayerNormAttrs,
  type BatchNormTrainAttrs,
  type GeluAttrs,
  type AdamAttrs,
  type SgdAttrs,
  type RmsPropAttrs,
} from './kernels';
export type { Communicator } from './communicator';
export { isPrecisionBackend, type ComputeType, type ComputePrecisionInfo, type PrecisionBackend } from './precision';
export { nullProfiler, isKernelTimingBackend, type Profiler, type KernelTime, type KernelTimingBackend } from './profiler';
export { isTransform, isBatchTransform } from './image';
export type { Image, Transform, TransformBatch, BatchTransform } from './image';
export type { Batch, DataLoader, Shard, Stage, DataModule, ProcessorConfig } from './data';
export type { TrainableModel, ModelOutputs, LossFn, LossExtras, StreamingMetric } from './model';
export { modelOutputs } from './model';
export { Callback, callHook, isCheckpointCallback } from './callback';
export type { TrainerView, TrainBatchEnd, EpochEnd, HookName, CheckpointCallback } from './callback';
export type { Int8InputType, Int8Input, Int8Activation, Int8Padding, Int8ConvSpec, Int8DenseSpec } from './int8';
