import * as tf from '@kiln/contracts/tf';
import { z, type ComponentContext } from '@kiln/core';
import { LayerFactory } from './layer-factory';
import { baseModelOptions } from './model-options';
import { applyPretrained } from './pretrained/apply-pretrained';
import { ZooModel } from './zoo-model';

const optionsSchema = z
  .object({
    ...baseModelOptions,
    /** Output channels of each conv block; every block halves the resolution (2×2 max-pool). */
    channels: z.array(z.number().int().positive()).min(1).default([32, 64, 128]),
    /** Convolutions per block before its pooling. */
    convsPerBlock: z.number().int().min(1).default(1),
    batchNorm: z.boolean().default(true),
    /** Dropout before the logits (after the hidden layer). */
    dropout: z.number().min(0).max(0.95).default(0.25),
    /**
     * Dropout after each conv block. Off by default: feeding dropped-out maps into the next
     * block's batch norm shifts its statistics between train and eval, and on small data sets
     * (the built-in shapes) it kept the net near chance for many epochs.
     */
    blockDropout: z.number().min(0).max(0.95).default(0),
    kernelSize: z.number().int().positive().default(3),
    /** Dense layer before the logits (0 = none). */
    hidden: z.number().int().min(0).default(128),
    /** `flatten` keeps spatial layout (good for small inputs); `avg` = global average pooling. */
    pooling: z.enum(['flatten', 'avg']).default('flatten'),
  })
  .strict();
export type SimpleCnnOptions = z.input<typeof optionsSchema>;

/** [conv → (BN) → ReLU]×n → max-pool (→ dropout) per block, then (dense → dropout) → logits. */
export class SimpleCnn extends ZooModel {
  static readonly type = 'simple_cnn';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Conv blocks (optional batch norm, dropout) + dense head';
  readonly net: tf.LayersModel;
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: SimpleCnnOptions, context: ComponentContext = {}) {
    super();
    const o = (this.options = optionsSchema.parse(options));
    const f = new LayerFactory(o.init, o.seed ?? context.seed);
    const input = tf.input({ shape: o.inputShape, name: 'input' });
    let x: tf.SymbolicTensor = input;
    o.channels.forEach((filters, b) => {
      for (let c = 1; c <= o.convsPerBlock; c++) {
        const name = `block${b + 1}_conv${c}`;
        x = f.conv(x, name, { filters, kernel: o.kernelSize, bias: !o.batchNorm });
        if (o.batchNorm) x = f.batchNorm(x, `${name}_bn`);
        x = f.activation(x, `${name}_relu`, 'relu');
      }
      x = f.maxPool(x, `block${b + 1}_pool`);
      x = f.dropout(x, `block${b + 1}_dropout`, o.blockDropout);
    });
    x = o.pooling === 'avg' ? f.globalAvgPool(x) : f.flatten(x);
    if (o.hidden > 0) {
      x = f.dense(x, 'hidden', o.hidden, 'relu');
      x = f.dropout(x, 'hidden_dropout', o.dropout);
    }
    this.net = tf.model({ inputs: input, outputs: f.logits(x, o.numClasses), name: SimpleCnn.type });
    applyPretrained(this.net, SimpleCnn.type, o, context);
  }
}
