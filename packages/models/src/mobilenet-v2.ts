import * as tf from '@kiln/contracts/tf';
import { z, type ComponentContext } from '@kiln/core';
import { LayerFactory } from './layer-factory';
import { baseModelOptions } from './model-options';
import { applyPretrained } from './pretrained/apply-pretrained';
import { ZooModel } from './zoo-model';

const optionsSchema = z
  .object({
    ...baseModelOptions,
    /** Scales every layer's channels (rounded to multiples of 8, as in the paper). */
    widthMultiplier: z.number().positive().max(4).default(1),
    /** Dropout before the logits. */
    dropout: z.number().min(0).max(0.95).default(0.2),
    /**
     * `cifar`: stride-1 stem and second stage (small inputs). `imagenet`: torchvision's strides
     * (stem and stage 2 at stride 2), strided convs padded as PyTorch does.
     */
    stem: z.enum(['cifar', 'imagenet']).default('cifar'),
  })
  .strict();
export type MobileNetV2Options = z.input<typeof optionsSchema>;

/** (expansion t, channels c, repeats n, stride s) per stage; stage 2 keeps stride 1 for small inputs. */
const STAGES: Array<[number, number, number, number]> = [
  [1, 16, 1, 1],
  [6, 24, 2, 1],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** Rounds channels to a multiple of 8 without dropping more than 10% (torchvision's `_make_divisible`). */
export function makeDivisible(v: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor(v + divisor / 2) - (Math.floor(v + divisor / 2) % divisor));
  return rounded < 0.9 * v ? rounded + divisor : rounded;
}

type Sym = tf.SymbolicTensor;

/**
 * MobileNetV2 for small inputs (CIFAR variant: stride-1 stem and stride-1 second stage),
 * inverted residual blocks with depthwise convolutions and ReLU6, width multiplier.
 */
export class MobileNetV2 extends ZooModel {
  static readonly type = 'mobilenet_v2';
  static readonly optionsSchema = optionsSchema;
  static readonly description = 'MobileNetV2 (inverted residuals, depthwise convs) for small inputs, width multiplier';
  readonly net: tf.LayersModel;
  readonly options: z.output<typeof optionsSchema>;

  constructor(options: MobileNetV2Options, context: ComponentContext = {}) {
    super();
    const o = (this.options = optionsSchema.parse(options));
    const f = new LayerFactory(o.init, o.seed ?? context.seed);
    const input = tf.input({ shape: o.inputShape, name: 'input' });
    let channels = makeDivisible(32 * o.widthMultiplier);
    const imagenet = o.stem === 'imagenet';
    let x = imagenet
      ? f.conv(input, 'stem_conv', { filters: channels, kernel: 3, strides: 2, bias: false, pad: 1 })
      : f.conv(input, 'stem_conv', { filters: channels, kernel: 3, bias: false });
    x = f.activation(f.batchNorm(x, 'stem_bn'), 'stem_relu6', 'relu6');
    let index = 0;
    for (const [stage, [t, c, n, stride]] of STAGES.entries()) {
      const out = makeDivisible(c * o.widthMultiplier);
      const s = imagenet && stage === 1 ? 2 : stride;
      for (let i = 0; i < n; i++) {
        x = invertedResidual(f, x, `block${++index}`, { inChannels: channels, outChannels: out, expansion: t, strides: i === 0 ? s : 1, torchPad: imagenet });
        channels = out;
      }
    }
    const last = makeDivisible(1280 * Math.max(1, o.widthMultiplier));
    x = f.conv(x, 'head_conv', { filters: last, kernel: 1, bias: false });
    x = f.activation(f.batchNorm(x, 'head_bn'), 'head_relu6', 'relu6');
    x = f.dropout(f.globalAvgPool(x), 'dropout', o.dropout);
    this.net = tf.model({ inputs: input, outputs: f.logits(x, o.numClasses), name: MobileNetV2.type });
    applyPretrained(this.net, MobileNetV2.type, o, context);
  }
}

function invertedResidual(
  f: LayerFactory,
  input: Sym,
  name: string,
  o: { inChannels: number; outChannels: number; expansion: number; strides: number; torchPad: boolean },
): Sym {
  let x = input;
  if (o.expansion !== 1) {
    x = f.conv(x, `${name}_expand`, { filters: o.inChannels * o.expansion, kernel: 1, bias: false });
    x = f.activation(f.batchNorm(x, `${name}_expand_bn`), `${name}_expand_relu6`, 'relu6');
  }
  x = f.depthwise(x, `${name}_depthwise`, { kernel: 3, strides: o.strides, pad: o.torchPad && o.strides !== 1 ? 1 : undefined });
  x = f.activation(f.batchNorm(x, `${name}_depthwise_bn`), `${name}_depthwise_relu6`, 'relu6');
  x = f.conv(x, `${name}_project`, { filters: o.outChannels, kernel: 1, bias: false });
  x = f.batchNorm(x, `${name}_project_bn`);
  return o.strides === 1 && o.inChannels === o.outChannels ? f.add(x, input, `${name}_add`) : x;
}
