import * as tf from '@kiln/contracts/tf';
import { BatchNorm, Gelu, LayerNorm, MultiHeadAttention, ReLU, ReLU6, ResidualAdd } from './layers/index';
import { makeInitializer, type Initializer, type InitializerName } from './model-options';

type Sym = tf.SymbolicTensor;

/**
 * Creates built-in tfjs layers with explicit, deterministic names (so weight names such
 * as `stage1_block1_conv1/kernel` are the same in every process — checkpoints and EMA
 * key on them) and per-layer seeds (`seed + n` for the n-th initialised layer) so one seed
 * always builds the same weights. Besides built-in layers it uses Kiln's own (BatchNorm, ReLU,
 * ReLU6, ResidualAdd, LayerNorm, MultiHeadAttention, Gelu), registered with tfjs serialization when this package loads.
 */
export class LayerFactory {
  private seededLayers = 0;

  constructor(
    private readonly init: InitializerName,
    private readonly seed: number | undefined,
  ) {}

  private nextSeed(): number | undefined {
    return this.seed === undefined ? undefined : this.seed + this.seededLayers++;
  }

  kernelInit(): Initializer {
    return makeInitializer(this.init, this.nextSeed());
  }

  /**
   * `pad` (PyTorch's `padding=p`) zero-pads `p` on every side and convolves 'valid'. tfjs's 'same'
   * pads the extra row at the bottom/right when the stride is 2, PyTorch pads symmetrically, so
   * weights trained in PyTorch need `pad` on strided convs to give PyTorch's numbers.
   */
  conv(x: Sym, name: string, o: { filters: number; kernel: number; strides?: number; bias?: boolean; pad?: number }): Sym {
    return tf.layers
      .conv2d({
        name,
        filters: o.filters,
        kernelSize: o.kernel,
        strides: o.strides ?? 1,
        padding: o.pad === undefined ? 'same' : 'valid',
        useBias: o.bias ?? true,
        kernelInitializer: this.kernelInit(),
      })
      .apply(this.pad(x, name, o.pad)) as Sym;
  }

  /** Symmetric zero padding (`<name>_pad`), or `x` itself when `pad` is undefined. */
  pad(x: Sym, name: string, pad: number | undefined): Sym {
    return pad === undefined ? x : (tf.layers.zeroPadding2d({ name: `${name}_pad`, padding: pad }).apply(x) as Sym);
  }

  depthwise(x: Sym, name: string, o: { kernel: number; strides?: number; pad?: number }): Sym {
    return tf.layers
      .depthwiseConv2d({
        name,
        kernelSize: o.kernel,
        strides: o.strides ?? 1,
        padding: o.pad === undefined ? 'same' : 'valid',
        useBias: false,
        depthwiseInitializer: this.kernelInit(),
      })
      .apply(this.pad(x, name, o.pad)) as Sym;
  }

  dense(x: Sym, name: string, units: number, activation?: 'relu'): Sym {
    return tf.layers.dense({ name, units, activation, kernelInitializer: this.kernelInit() }).apply(x) as Sym;
  }

  /** The logits layer: glorot_uniform suits a layer without a ReLU after it. */
  logits(x: Sym, numClasses: number): Sym {
    const seed = this.nextSeed();
    return tf.layers
      .dense({ name: 'logits', units: numClasses, kernelInitializer: tf.initializers.glorotUniform(seed === undefined ? {} : { seed }) })
      .apply(x) as Sym;
  }

  /**
   * Batch norm with PyTorch-like momentum (0.9 in Keras terms) so statistics settle within a few
   * epochs. Kiln's BatchNorm: tfjs BatchNormalization's weights (names, order) and numbers, less memory.
   */
  batchNorm(x: Sym, name: string): Sym {
    return new BatchNorm({ name, momentum: 0.9, epsilon: 1e-5 }).apply(x) as Sym;
  }

  activation(x: Sym, name: string, fn: 'relu' | 'relu6'): Sym {
    return (fn === 'relu' ? new ReLU({ name }) : new ReLU6({ name })).apply(x) as Sym;
  }

  gelu(x: Sym, name: string): Sym {
    return new Gelu({ name }).apply(x) as Sym;
  }

  layerNorm(x: Sym, name: string, epsilon: number): Sym {
    return new LayerNorm({ name, epsilon }).apply(x) as Sym;
  }

  /** Self-attention over `[batch, tokens, dim]`, heads batched (see `MultiHeadAttention`). */
  attention(x: Sym, name: string, heads: number): Sym {
    return new MultiHeadAttention({ name, heads }, { kernelInitializer: this.kernelInit() }).apply(x) as Sym;
  }

  dropout(x: Sym, name: string, rate: number): Sym {
    return rate > 0 ? (tf.layers.dropout({ name, rate }).apply(x) as Sym) : x;
  }

  /**
   * 2×2/2 'same' by default; `{size, strides, pad}` pads with zeros first (equal to PyTorch's -inf
   * padding only after a ReLU, where no value is below zero).
   */
  maxPool(x: Sym, name: string, o: { size: number; strides: number; pad?: number } = { size: 2, strides: 2 }): Sym {
    return tf.layers
      .maxPooling2d({ name, poolSize: o.size, strides: o.strides, padding: o.pad === undefined ? 'same' : 'valid' })
      .apply(this.pad(x, name, o.pad)) as Sym;
  }

  globalAvgPool(x: Sym, name = 'global_pool'): Sym {
    return tf.layers.globalAveragePooling2d({ name }).apply(x) as Sym;
  }

  flatten(x: Sym, name = 'flatten'): Sym {
    return tf.layers.flatten({ name }).apply(x) as Sym;
  }

  /** Residual sum of two same-shape tensors (keeps nothing for the backward pass). */
  add(a: Sym, b: Sym, name: string): Sym {
    return new ResidualAdd({ name }).apply([a, b]) as Sym;
  }
}
