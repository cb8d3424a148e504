import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ComponentBuilder, componentJsonSchema, ConfigError, createRegistries, z } from '@kiln/core';
import { Mlp } from './mlp';
import { makeDivisible, MobileNetV2 } from './mobilenet-v2';
import { register } from './register';
import { ResNet } from './resnet';
import { SimpleCnn } from './simple-cnn';
import { countParams, summarizeModel } from './summary';
import { VitTiny } from './vit-tiny';
import { getWeightsMap, setWeightsMap } from './weights-map';
import { ZooModel } from './zoo-model';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('model structure', () => {
  it('mlp has the hand-counted parameter count', () => {
    const m = new Mlp({ numClasses: 10, inputShape: [28, 28, 1], hidden: [32], seed: 1 });
    // 784·32 + 32 + 32·10 + 10
    expect(countParams(m.net)).toEqual({ total: 25_450, trainable: 25_450, nonTrainable: 0 });
    m.dispose();
  });

  it('simple_cnn follows its options (hand-counted parameters, no bias under batch norm)', () => {
    const m = new SimpleCnn({ numClasses: 4, inputShape: [8, 8, 3], channels: [2, 4], hidden: 0, kernelSize: 3, seed: 1 });
    // conv1 3·3·3·2 = 54, bn1 4·2 = 8 (2 trainable γβ + 2 moving stats), conv2 3·3·2·4 = 72, bn2 16,
    // flatten 2·2·4 = 16 → logits 16·4 + 4 = 68
    expect(countParams(m.net)).toEqual({ total: 218, trainable: 54 + 4 + 72 + 8 + 68, nonTrainable: 4 + 8 });
    const noBn = new SimpleCnn({ numClasses: 4, inputShape: [8, 8, 3], channels: [2, 4], hidden: 0, batchNorm: false, seed: 1 });
    expect(countParams(noBn.net).total).toBe(54 + 2 + 72 + 4 + 68);
    m.dispose();
    noBn.dispose();
  });

  it('resnet18 and resnet34 have 8 and 16 basic blocks and no max-pool', () => {
    for (const [depth, blocks] of [
      [18, 8],
      [34, 16],
    ] as const) {
      const m = new ResNet({ numClasses: 10, inputShape: [32, 32, 3], depth, widthMultiplier: 0.125, seed: 1 });
      const names = m.net.layers.map((l) => l.name);
      expect(names.filter((n) => n.endsWith('_add')).length).toBe(blocks);
      expect(m.net.layers.some((l) => l.getClassName() === 'MaxPooling2D')).toBe(false);
      expect(m.net.outputs[0].shape).toEqual([null, 10]);
      // The last stage runs at 32 / 2³ = 4×4.
      expect(m.net.getLayer('stage4_block1_conv1').outputShape).toEqual([null, 4, 4, 64]);
      m.dispose();
    }
  });

  it('full-width resnet18 has the reference parameter count (CIFAR variant, 10 classes)', () => {
    const m = new ResNet({ numClasses: 10, inputShape: [32, 32, 3], depth: 18, seed: 1 });
    // Trainable 11,173,962 (the widely quoted CIFAR ResNet-18 figure) + 4,800 BN moving statistics.
    expect(countParams(m.net).trainable).toBe(11_173_962);
    m.dispose();
  });

  it('mobilenet_v2 rounds channels like torchvision and scales with the width multiplier', () => {
    expect([makeDivisible(32 * 0.25), makeDivisible(16 * 0.25), makeDivisible(24 * 0.5), makeDivisible(1280)]).toEqual([8, 8, 16, 1280]);
    const m = new MobileNetV2({ numClasses: 10, inputShape: [32, 32, 3], seed: 1 });
    // torchvision mobilenet_v2(num_classes=10): 2,236,682 trainable parameters.
    expect(countParams(m.net).trainable).toBe(2_236_682);
    expect(m.net.layers.filter((l) => l.name.endsWith('_add')).length).toBe(10);
    m.dispose();
  });

  it('rejects unknown options and bad shapes with clear errors', () => {
    expect(() => new SimpleCnn({ numClasses: 3, inputShape: [32, 32, 3], chanels: [8] } as never)).toThrow(/chanels/);
    expect(() => new ResNet({ numClasses: 3, inputShape: [32, 32, 3], depth: 50 as never })).toThrow();
    expect(() => new Mlp({ numClasses: 3, inputShape: [32, 32] as never })).toThrow();
  });

  it('uses the configured initialiser (glorot_uniform stays within its limit)', () => {
    const m = new Mlp({ numClasses: 2, inputShape: [4, 4, 1], hidden: [8], init: 'glorot_uniform', seed: 5 });
    const kernel = getWeightsMap(m.net).get('dense1/kernel')!;
    const limit = Math.sqrt(6 / (16 + 8));
    expect(kernel.every((v) => Math.abs(v) <= limit)).toBe(true);
    expect(JSON.stringify(m.net.getLayer('dense1').getConfig().kernelInitializer)).toMatch(/"distribution":"uniform"/);
    m.dispose();
  });

  it('takes the run seed from the context when no seed option is given', () => {
    const a = new Mlp({ numClasses: 2, inputShape: [4, 4, 1], hidden: [4] }, { seed: 11 });
    const b = new Mlp({ numClasses: 2, inputShape: [4, 4, 1], hidden: [4], seed: 11 });
    expect(Array.from(getWeightsMap(a.net).get('dense1/kernel')!)).toEqual(Array.from(getWeightsMap(b.net).get('dense1/kernel')!));
    a.dispose();
    b.dispose();
  });
});

describe('summary', () => {
  it('lists every layer with its output shape and parameters, and the totals', () => {
    const m = new Mlp({ numClasses: 3, inputShape: [2, 2, 1], hidden: [4], seed: 1 });
    const text = summarizeModel(m.net);
    expect(text).toMatch(/^Model: mlp/);
    expect(text).toMatch(/dense1 \(Dense\)\s+\[N, 4\]\s+20/);
    expect(text).toMatch(/logits \(Dense\)\s+\[N, 3\]\s+15/);
    expect(text).toMatch(/Total params: 35\nTrainable params: 35\nNon-trainable params: 0/);
    expect(m.summary()).toBe(text);
    m.dispose();
  });
});

describe('weights map', () => {
  it('round-trips by stable weight name, even across two builds in one process', () => {
    const a = new SimpleCnn({ numClasses: 3, inputShape: [8, 8, 1], channels: [2], hidden: 4, seed: 1 });
    const b = new SimpleCnn({ numClasses: 3, inputShape: [8, 8, 1], channels: [2], hidden: 4, seed: 2 });
    expect(b.net.weights[0].name).not.toBe(b.net.weights[0].originalName); // tfjs suffixed the second build
    const wa = getWeightsMap(a.net);
    expect([...wa.keys()]).toContain('block1_conv1_bn/moving_mean');
    setWeightsMap(b.net, wa);
    const x = tf.ones([1, 8, 8, 1]);
    expect(Array.from((b.net.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((a.net.predict(x) as tf.Tensor).dataSync()));
    x.dispose();
    a.dispose();
    b.dispose();
  });

  it('refuses missing, foreign and wrongly sized entries without writing anything', () => {
    const m = new Mlp({ numClasses: 2, inputShape: [2, 2, 1], hidden: [3], seed: 1 });
    const before = getWeightsMap(m.net);
    const missing = new Map(before);
    missing.delete('logits/bias');
    expect(() => setWeightsMap(m.net, missing)).toThrow(/no values for 1 weight\(s\): logits\/bias/);
    const foreign = new Map(before).set('other/kernel', new Float32Array(1));
    expect(() => setWeightsMap(m.net, foreign)).toThrow(/has no weight\(s\) other\/kernel/);
    const wrong = new Map(before).set('dense1/kernel', new Float32Array(5)).set('logits/bias', new Float32Array([9, 9]));
    expect(() => setWeightsMap(m.net, wrong)).toThrow(/'dense1\/kernel' has shape \[4, 3\] \(12 values\), got 5/);
    expect(Array.from(getWeightsMap(m.net).get('logits/bias')!)).toEqual(Array.from(before.get('logits/bias')!));
    m.dispose();
  });
});

describe('registration and config', () => {
  it('registers the zoo and builds a model from a config node with numClasses/inputShape added', () => {
    const registries = createRegistries(register);
    expect(registries.models.names()).toEqual(['mlp', 'mobilenet_v2', 'resnet', 'simple_cnn', 'vit_tiny']);
    const builder = new ComponentBuilder(registries, { seed: 3 });
    const m = builder.build<SimpleCnn>('models', { _target_: 'simple_cnn', channels: [4], hidden: 0 }, 'model', {
      numClasses: 5,
      inputShape: [16, 16, 3],
    });
    expect(m).toBeInstanceOf(SimpleCnn);
    expect(m.net.outputs[0].shape).toEqual([null, 5]);
    expect(() => builder.build('models', { _target_: 'simple_cnn', dropuot: 0.1 }, 'model', { numClasses: 5, inputShape: [16, 16, 3] })).toThrow(
      /did you mean 'dropout'/,
    );
    m.dispose();
  });

  it("builds a user's own registered model class by name (README example)", () => {
    class TinyNet extends ZooModel {
      static readonly type = 'tiny_net';
      static readonly optionsSchema = z
        .object({ numClasses: z.number().int(), inputShape: z.tuple([z.number(), z.number(), z.number()]), units: z.number().default(8) })
        .strict();
      readonly net: tf.LayersModel;
      constructor(options: z.input<typeof TinyNet.optionsSchema>) {
        super();
        const o = TinyNet.optionsSchema.parse(options);
        this.net = tf.sequential({
          name: 'tiny_net',
          layers: [
            tf.layers.flatten({ inputShape: o.inputShape as [number, number, number] }),
            tf.layers.dense({ units: o.units, activation: 'relu' }),
            tf.layers.dense({ units: o.numClasses }),
          ],
        });
      }
    }
    const registries = createRegistries(register, (r) => r.models.register(TinyNet, 'my-app'));
    const builder = new ComponentBuilder(registries);
    const m = builder.build<TinyNet>('models', { _target_: 'tiny_net', units: 4 }, 'model', { numClasses: 2, inputShape: [3, 3, 1] });
    expect(m.summary()).toMatch(/Total params: 50\n/); // 9·4 + 4 + 4·2 + 2
    expect(() => builder.build('models', { _target_: 'tiny_nett' }, 'model')).toThrow(ConfigError);
    m.dispose();
  });
});

describe('vit_tiny', () => {
  it('computes softmax(q·kᵀ/√d)·v per head then the output projection, as a hand-written reference does', () => {
    const m = new VitTiny({ numClasses: 2, inputShape: [4, 4, 1], patchSize: 2, dim: 4, depth: 1, heads: 2, seed: 9 });
    // Sub-model from the block's normalised tokens to the attention output.
    const norm = m.net.getLayer('block1_norm1').output as tf.SymbolicTensor;
    const attn = m.net.getLayer('block1_attn').output as tf.SymbolicTensor;
    const probe = tf.model({ inputs: m.net.inputs, outputs: [norm, attn] });
    const [tokens, out] = probe.predict(tf.linspace(0, 1, 16).reshape([1, 4, 4, 1])) as tf.Tensor[];
    const t = (tokens.arraySync() as number[][][])[0]; // 4 tokens × 4
    const [wqkv, bqkv, wo, bo] = m.net.getLayer('block1_attn').getWeights().map((w: tf.Tensor) => w.arraySync()) as [
      number[][], number[], number[][], number[],
    ];
    const affine = (rows: number[][], k: number[][], b: number[], from: number, n: number) =>
      rows.map((row) => Array.from({ length: n }, (_, j) => b[from + j] + row.reduce((s, v, i) => s + v * k[i][from + j], 0)));
    const [dim, dh] = [4, 2];
    const heads = [0, 1].map((h) => {
      const q = affine(t, wqkv, bqkv, h * dh, dh).map((r) => r.map((v) => v / Math.sqrt(dh)));
      const k = affine(t, wqkv, bqkv, dim + h * dh, dh);
      const v = affine(t, wqkv, bqkv, 2 * dim + h * dh, dh);
      return q.map((qi) => {
        const scores = k.map((kj) => kj.reduce((s, x, d) => s + x * qi[d], 0));
        const mx = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - mx));
        const z = e.reduce((a, b) => a + b);
        return v[0].map((_, d) => e.reduce((s, ej, j) => s + (ej / z) * v[j][d], 0));
      });
    });
    const merged = t.map((_, i) => [...heads[0][i], ...heads[1][i]]);
    const expected = affine(merged, wo, bo, 0, dim);
    const got = (out.arraySync() as number[][][])[0];
    got.forEach((row, i) => row.forEach((x, d) => expect(x).toBeCloseTo(expected[i][d], 5)));
    m.dispose();
  });
});

describe('schemas', () => {
  it('every zoo model has a JSON schema and keeps "did you mean" on misspelt keys', () => {
    const registries = createRegistries(register);
    for (const cls of registries.models.classes()) {
      const schema = componentJsonSchema(cls, registries) as { properties?: Record<string, unknown> };
      expect(Object.keys(schema.properties ?? {}), cls.type).toContain('numClasses');
    }
    const builder = new ComponentBuilder(registries);
    expect(() =>
      builder.build('models', { _target_: 'vit_tiny', head: 2 }, 'model', { numClasses: 2, inputShape: [8, 8, 1] }),
    ).toThrow(/did you mean 'heads'/);
    expect(() =>
      builder.build('models', { _target_: 'vit_tiny', dim: 10, heads: 3 }, 'model', { numClasses: 2, inputShape: [8, 8, 1] }),
    ).toThrow(/dim must be divisible by heads/);
  });
});
