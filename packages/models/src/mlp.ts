import * as tf from '@kiln/contracts/tf';
import { z, type ComponentContext } from '@kiln/core';
import { LayerFactory } from './layer-factory';
import { baseModelOptions } from './model-options';
import { applyPretrained } from './pretrained/apply-pretrained';
import { ZooModel } from './zoo-model';

const optionsSchema = z
  .object({
    ...baseModelOptions,
    /** Hidden layer sizes (ReLU each). */
    hidden: z.array(z.number().int().positive()).default([256, 128]),
    dropout: z.number().min(0).max(0.95).default(0.2),
  })
  .strict();
export type MlpOptions = z.input<typeof optionsSchema>;

/** Flatten → [dense → ReLU → dropout]* → logits. */
export class Mlp extends ZooModel {
  static readonly type = 'mlp';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'Multi-layer perceptron on flattened pixels';
  readonly net: tf.LayersModel;
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: MlpOptions, context: ComponentContext = {}) {
    super();
    const o = (this.options = optionsSchema.parse(options));
    const f = new LayerFactory(o.init, o.seed ?? context.seed);
    const input = tf.input({ shape: o.inputShape, name: 'input' });
    let x = f.flatten(input);
    o.hidden.forEach((units, i) => {
      x = f.dense(x, `dense${i + 1}`, units, 'relu');
      x = f.dropout(x, `dropout${i + 1}`, o.dropout);
    });
    this.net = tf.model({ inputs: input, outputs: f.logits(x, o.numClasses), name: Mlp.type });
    applyPretrained(this.net, Mlp.type, o, context);
  }
}
