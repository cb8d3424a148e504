import { registerLayer } from '../layer-allowlist';
import { BatchNorm } from './batch-norm';
import { Gelu } from './gelu';
import { LayerNorm } from './layer-norm';
import { MultiHeadAttention } from './multi-head-attention';
import { ReLU } from './relu';
import { ReLU6 } from './relu6';
import { ResidualAdd } from './residual-add';

export { BatchNorm, batchNormTraining } from './batch-norm';
export type { BatchNormArgs } from './batch-norm';
export { Gelu, gelu, geluOps } from './gelu';
export type { GeluArgs } from './gelu';
export { LayerNorm, layerNorm, layerNormOps } from './layer-norm';
export type { LayerNormArgs } from './layer-norm';
export { MultiHeadAttention, selfAttention } from './multi-head-attention';
export type { MultiHeadAttentionArgs, MultiHeadAttentionInit } from './multi-head-attention';
export { ReLU, reluSavingOutput } from './relu';
export { ReLU6 } from './relu6';
export { ResidualAdd, residualAdd } from './residual-add';
export { hasKilnKernel, runKilnKernel } from './kiln-kernel';

/** Kiln's own layers; registered with tfjs serialization (and allowed by `loadModel`) on import. */
export const KILN_LAYERS = [LayerNorm, MultiHeadAttention, Gelu, ReLU6, BatchNorm, ReLU, ResidualAdd] as const;
for (const cls of KILN_LAYERS) registerLayer(cls);
