import * as tf from '@kiln/contracts/tf';
import { z, type ComponentContext } from '@kiln/core';
import { LayerFactory } from './layer-factory';
import { baseModelOptions } from './model-options';
import { applyPretrained } from './pretrained/apply-pretrained';
import { ZooModel } from './zoo-model';

const optionsSchema = z
  .object({
    ...baseModelOptions,
    /** Square patch side; the image is cut into (h / patch)·(w / patch) tokens (a remainder is dropped). */
    patchSize: z.number().int().positive().default(4),
    /** Token width (ViT-Tiny: 192). */
    dim: z.number().int().positive().default(192),
    /** Transformer blocks (ViT-Tiny: 12). */
    depth: z.number().int().positive().default(12),
    /** Attention heads; `dim` must be divisible by it (ViT-Tiny: 3). */
    heads: z.number().int().positive().default(3),
    mlpRatio: z.number().positive().default(4),
    dropout: z.number().min(0).max(0.95).default(0),
  })
  .strict()
  .refine((o) => o.dim % o.heads === 0, { message: 'dim must be divisible by heads', path: ['heads'] });
export type VitTinyOptions = z.input<typeof optionsSchema>;

type Sym = tf.SymbolicTensor;

/**
 * A small Vision Transformer: conv patch embedding, a depthwise-conv positional encoding
 * on the token grid (CPVT's "PEG"), pre-norm blocks of Kiln's LayerNorm and
 * MultiHeadAttention (fused q/k/v projection, heads batched) and a GELU MLP, mean-pooled
 * tokens, logits. (Checkpoints of the earlier per-head Dense topology do not load into it.)
 */
export class VitTiny extends ZooModel {
  static readonly type = 'vit_tiny';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Small Vision Transformer (patch embedding, conv positional encoding, pre-norm blocks)';
  readonly net: tf.LayersModel;
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: VitTinyOptions, context: ComponentContext = {}) {
    super();
    const o = (this.options = optionsSchema.parse(options));
    const [h, w] = o.inputShape;
    const gridH = Math.floor(h / o.patchSize);
    const gridW = Math.floor(w / o.patchSize);
    if (gridH < 1 || gridW < 1) {
      throw new Error(`vit_tiny: patchSize ${o.patchSize} is larger than the ${h}×${w} input`);
    }
    const f = new LayerFactory(o.init, o.seed ?? context.seed);
    const input = tf.input({ shape: o.inputShape, name: 'input' });
    let x = tf.layers
      .conv2d({ name: 'patch_embed', filters: o.dim, kernelSize: o.patchSize, strides: o.patchSize, padding: 'valid', kernelInitializer: f.kernelInit() })
      .apply(input) as Sym;
    const pos = f.depthwise(x, 'pos_embed', { kernel: 3 });
    x = f.add(x, pos, 'pos_add');
    x = tf.layers.reshape({ name: 'tokens', targetShape: [gridH * gridW, o.dim] }).apply(x) as Sym;
    for (let b = 1; b <= o.depth; b++) x = block(f, x, `block${b}`, o);
    x = f.layerNorm(x, 'final_norm', 1e-6);
    x = tf.layers.globalAveragePooling1d({ name: 'token_pool' }).apply(x) as Sym;
    this.net = tf.model({ inputs: input, outputs: f.logits(x, o.numClasses), name: VitTiny.type });
    applyPretrained(this.net, VitTiny.type, o, context);
  }
}

function block(f: LayerFactory, input: Sym, name: string, o: z.output<typeof optionsSchema>): Sym {
  const normed = f.layerNorm(input, `${name}_norm1`, 1e-6);
  const attended = f.dropout(f.attention(normed, `${name}_attn`, o.heads), `${name}_attn_dropout`, o.dropout);
  const x = f.add(input, attended, `${name}_attn_add`);
  const normed2 = f.layerNorm(x, `${name}_norm2`, 1e-6);
  let mlp = f.gelu(linear(f, normed2, `${name}_mlp1`, Math.round(o.dim * o.mlpRatio)), `${name}_gelu`);
  mlp = f.dropout(linear(f, mlp, `${name}_mlp2`, o.dim), `${name}_mlp_dropout`, o.dropout);
  return f.add(x, mlp, `${name}_mlp_add`);
}

function linear(f: LayerFactory, x: Sym, name: string, units: number): Sym {
  return tf.layers.dense({ name, units, kernelInitializer: f.kernelInit() }).apply(x) as Sym;
}
