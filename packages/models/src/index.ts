// Public API of @kiln/models (named exports only).
export { ZooModel } from './zoo-model';
export { Mlp } from './mlp';
export type { MlpOptions } from './mlp';
export { SimpleCnn } from './simple-cnn';
export type { SimpleCnnOptions } from './simple-cnn';
export { ResNet } from './resnet';
export type { ResNetOptions } from './resnet';
export { MobileNetV2, makeDivisible } from './mobilenet-v2';
export type { MobileNetV2Options } from './mobilenet-v2';
export { VitTiny } from './vit-tiny';
export type { VitTinyOptions } from './vit-tiny';
export { baseModelOptions, makeInitializer, INITIALIZERS } from './model-options';
export type { InitializerName } from './model-options';
export { LayerFactory } from './layer-factory';
export { summarizeModel, countParams } from './summary';
export type { ParamCounts } from './summary';
export { getWeightsMap, setWeightsMap } from './weights-map';
export { saveModel, loadModel, checkLayerClasses, ModelFormatError, MODEL_JSON, WEIGHTS_BIN } from './save-load';
export type { LoadModelOptions } from './save-load';
export {
  BUILTIN_LAYER_CLASSES,
  allowLayerClass,
  registerLayer,
  isAllowedLayerClass,
  listLayerClasses,
} from './layer-allowlist';
export type { LayerClass, LayerRef } from './layer-allowlist';
export { register, MODEL_CLASSES } from './register';
export {
  KILN_LAYERS,
  BatchNorm,
  batchNormTraining,
  LayerNorm,
  layerNorm,
  layerNormOps,
  MultiHeadAttention,
  selfAttention,
  Gelu,
  gelu,
  geluOps,
  ReLU,
  reluSavingOutput,
  ReLU6,
  ResidualAdd,
  residualAdd,
  hasKilnKernel,
  runKilnKernel,
} from './layers/index';
export type { BatchNormArgs, LayerNormArgs, MultiHeadAttentionArgs, MultiHeadAttentionInit, GeluArgs } from './layers/index';
export { variableGradsReleasing } from './releasing-grads';
export { applyPretrained, matchPretrained } from './pretrained/apply-pretrained';
export type { PretrainedOptions } from './pretrained/apply-pretrained';
export { TORCH_NAME_MAPS, resnetTorchNames, mobilenetV2TorchNames, vitTinyTorchNames } from './pretrained/torch-names';
export type { TorchNameMap } from './pretrained/torch-names';
