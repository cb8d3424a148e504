import * as tf from '@kiln/contracts/tf';
import { z, type ComponentContext } from '@kiln/core';
import { LayerFactory } from './layer-factory';
import { baseModelOptions } from './model-options';
import { applyPretrained } from './pretrained/apply-pretrained';
import { ZooModel } from './zoo-model';

const optionsSchema = z
  .object({
    ...baseModelOptions,
    depth: z.union([z.literal(18), z.literal(34)]).default(18),
    /** Scales every stage's channels (64, 128, 256, 512); 0.25 gives a tiny test network. */
    widthMultiplier: z.number().positive().max(4).default(1),
    /**
     * `cifar`: 3×3 stride-1 stem, no max-pool (small inputs). `imagenet`: torchvision's 7×7/2 stem +
     * 3×3/2 max-pool, strided convs padded as PyTorch does (loads torchvision weights, same logits).
     */
    stem: z.enum(['cifar', 'imagenet']).default('cifar'),
  })
  .strict();
export type ResNetOptions = z.input<typeof optionsSchema>;

const BLOCKS: Record<18 | 34, number[]> = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3] };
const STAGE_CHANNELS = [64, 128, 256, 512];

type Sym = tf.SymbolicTensor;

/**
 * ResNet-18/34 (basic blocks). By default for small inputs, as used for CIFAR: a 3×3 stride-1 stem
 * without max-pool; `stem: imagenet` is torchvision's layout (7×7/2 stem, 3×3/2 max-pool). Four stages (the last three start with stride 2), global average
 * pooling, logits. Shortcuts use a 1×1 conv + BN when the shape changes.
 */
export class ResNet extends ZooModel {
  static readonly type = 'resnet';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'ResNet-18/34: small-input 3x3 stem (default) or torchvision\'s 7x7/2 + max-pool (stem=imagenet), width multiplier';
  readonly net: tf.LayersModel;
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: ResNetOptions, context: ComponentContext = {}) {
    super();
    const o = (this.options = optionsSchema.parse(options));
    const f = new LayerFactory(o.init, o.seed ?? context.seed);
    const width = (c: number) => Math.max(4, Math.round(c * o.widthMultiplier));
    const input = tf.input({ shape: o.inputShape, name: 'input' });
    const imagenet = o.stem === 'imagenet';
    let x = imagenet
      ? f.conv(input, 'stem_conv', { filters: width(64), kernel: 7, strides: 2, bias: false, pad: 3 })
      : f.conv(input, 'stem_conv', { filters: width(64), kernel: 3, bias: false });
    x = f.activation(f.batchNorm(x, 'stem_bn'), 'stem_relu', 'relu');
    if (imagenet) x = f.maxPool(x, 'stem_pool', { size: 3, strides: 2, pad: 1 });
    let channels = width(64);
    BLOCKS[o.depth].forEach((blocks, s) => {
      const filters = width(STAGE_CHANNELS[s]);
      for (let b = 0; b < blocks; b++) {
        const strides = s > 0 && b === 0 ? 2 : 1;
        const project = strides !== 1 || channels !== filters;
        x = basicBlock(f, x, `stage${s + 1}_block${b + 1}`, { filters, strides, project, torchPad: imagenet });
        channels = filters;
      }
    });
    x = f.globalAvgPool(x);
    this.net = tf.model({ inputs: input, outputs: f.logits(x, o.numClasses), name: `resnet${o.depth}` });
    applyPretrained(this.net, ResNet.type, o, context);
  }
}

function basicBlock(f: LayerFactory, input: Sym, name: string, o: { filters: number; strides: number; project: boolean; torchPad: boolean }): Sym {
  // PyTorch pads a strided 3×3 conv one pixel on every side; tfjs 'same' would pad bottom/right only.
  const pad = o.torchPad && o.strides !== 1 ? 1 : undefined;
  let x = f.conv(input, `${name}_conv1`, { filters: o.filters, kernel: 3, strides: o.strides, bias: false, pad });
  x = f.activation(f.batchNorm(x, `${name}_bn1`), `${name}_relu1`, 'relu');
  x = f.conv(x, `${name}_conv2`, { filters: o.filters, kernel: 3, bias: false });
  x = f.batchNorm(x, `${name}_bn2`);
  let shortcut = input;
  if (o.project) {
    shortcut = f.conv(input, `${name}_proj`, { filters: o.filters, kernel: 1, strides: o.strides, bias: false });
    shortcut = f.batchNorm(shortcut, `${name}_proj_bn`);
  }
  return f.activation(f.add(x, shortcut, `${name}_add`), `${name}_out`, 'relu');
}
