import * as tf from '@tensorflow/tfjs';
import { Mlp, MobileNetV2, ResNet, SimpleCnn, VitTiny } from '@kiln/models';
import { afterAll, describe, expect, it } from 'vitest';
import { QuantizeError } from './errors';
import { absorbedLayers, planInt8 } from './plan';

const nets: tf.LayersModel[] = [];
const keep = (n: tf.LayersModel) => (nets.push(n), n);
afterAll(() => nets.forEach((n) => n.dispose()));

describe('planInt8 on the zoo', () => {
  it('simple_cnn: every conv (BN folded, ReLU fused) and both dense layers; nothing fp32', () => {
    const net = keep(new SimpleCnn({ numClasses: 4, inputShape: [16, 16, 3], channels: [8, 16] }).net);
    const plan = planInt8(net);
    expect(plan.ops.map((o) => [o.layer, o.kind, o.batchNorm, o.activation])).toEqual([
      ['block1_conv1', 'conv', 'block1_conv1_bn', 'relu'],
      ['block2_conv1', 'conv', 'block2_conv1_bn', 'relu'],
      ['hidden', 'dense', undefined, 'relu'],
      ['logits', 'dense', undefined, 'linear'],
    ]);
    expect(plan.fp32).toEqual([]);
    expect(absorbedLayers(plan)).toEqual(['block1_conv1_bn', 'block1_conv1_relu', 'block2_conv1_bn', 'block2_conv1_relu']);
  });

  it('resnet: convs before a residual add fold their BN but keep the ReLU after the add', () => {
    const net = keep(new ResNet({ numClasses: 3, inputShape: [16, 16, 3], widthMultiplier: 0.125 }).net);
    const plan = planInt8(net);
    const convs = net.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => l.name);
    expect(plan.ops.filter((o) => o.kind === 'conv').map((o) => o.layer)).toEqual(convs);
    const conv2 = plan.ops.find((o) => o.layer === 'stage1_block1_conv2')!;
    expect(conv2.batchNorm).toBe('stage1_block1_bn2');
    expect(conv2.activation).toBe('linear'); // its BN feeds the add, the ReLU comes after it
    expect(plan.ops.find((o) => o.layer === 'stage1_block1_conv1')!.activation).toBe('relu');
    expect(plan.ops.every((o) => o.kind === 'dense' || o.batchNorm)).toBe(true);
    expect(plan.fp32).toEqual([]);
  });

  it('mobilenet_v2: depthwise convs are int8 with BN folded and ReLU6 fused', () => {
    const net = keep(new MobileNetV2({ numClasses: 3, inputShape: [16, 16, 3], widthMultiplier: 0.25 }).net);
    const plan = planInt8(net);
    const dw = plan.ops.filter((o) => o.kind === 'depthwise');
    expect(dw.length).toBe(net.layers.filter((l) => l.getClassName() === 'DepthwiseConv2D').length);
    expect(dw.length).toBeGreaterThan(0);
    expect(dw.every((o) => o.batchNorm && o.activation === 'relu6')).toBe(true);
    expect(plan.ops.find((o) => o.layer.endsWith('_project'))!.activation).toBe('linear');
    expect(plan.fp32).toEqual([]);
  });

  it('vit_tiny: patch embed, attention projections, MLP and logits int8; attention scores, layer norms and GELU stay fp32 with reasons', () => {
    const net = keep(new VitTiny({ numClasses: 3, inputShape: [16, 16, 3], dim: 16, depth: 2, heads: 2, patchSize: 4 }).net);
    const plan = planInt8(net);
    expect(plan.ops.map((o) => o.layer)).toEqual(expect.arrayContaining(['patch_embed', 'pos_embed', 'block1_mlp1', 'block1_mlp2', 'block2_mlp1', 'logits']));
    expect(plan.ops.filter((o) => o.kind === 'attention').map((o) => o.layer)).toEqual(['block1_attn', 'block2_attn']);
    const fp32 = new Map(plan.fp32.map((f) => [f.layer, f]));
    expect(fp32.get('block1_attn scores')!.why).toMatch(/two activations/);
    expect(fp32.get('block1_norm1')!.className).toBe('KilnLayerNorm');
    expect(fp32.get('block2_gelu')!.why).toMatch(/erf/);
    expect(fp32.has('final_norm')).toBe(true);
  });

  it('keepFp32 keeps a named layer fp32 with its BN and ReLU unfused; an unknown name is an error', () => {
    const net = keep(new SimpleCnn({ numClasses: 4, inputShape: [16, 16, 3], channels: [8, 16] }).net);
    const plan = planInt8(net, { keepFp32: ['block1_conv1'] });
    expect(plan.ops.map((o) => o.layer)).toEqual(['block2_conv1', 'hidden', 'logits']);
    expect(plan.fp32.map((f) => [f.layer, f.className])).toEqual([['block1_conv1', 'Conv2D'], ['block1_conv1_bn', 'KilnBatchNorm']]);
    expect(plan.fp32[0].why).toBe('kept fp32 on request (keepFp32)');
    expect(absorbedLayers(plan)).not.toContain('block1_conv1_bn');
    expect(() => planInt8(net, { keepFp32: ['nope'] })).toThrow(/keepFp32 names layer 'nope'/);
  });

  it('mlp: every dense layer int8', () => {
    const net = keep(new Mlp({ numClasses: 3, inputShape: [4, 4, 1] }).net);
    const plan = planInt8(net);
    const dense = net.layers.filter((l) => l.getClassName() === 'Dense').map((l) => l.name);
    expect(plan.ops.map((o) => o.layer)).toEqual(dense);
    expect(plan.ops.at(-1)!.activation).toBe('linear');
    expect(plan.ops.slice(0, -1).every((o) => o.activation === 'relu')).toBe(true);
  });
});

describe('planInt8 on other graphs', () => {
  it('an unsupported layer is an error naming it', () => {
    const input = tf.input({ shape: [8] });
    const y = tf.layers.dense({ units: 4, name: 'd' }).apply(tf.layers.gaussianNoise({ stddev: 0.1, name: 'noisy' }).apply(input)) as tf.SymbolicTensor;
    const net = keep(tf.model({ inputs: input, outputs: y }));
    expect(() => planInt8(net)).toThrow(QuantizeError);
    expect(() => planInt8(net)).toThrow(/layer 'noisy' \(GaussianNoise\) is not supported/);
  });

  it('a dense with a softmax activation stays fp32, saying why; a conv read twice keeps its BN unfolded', () => {
    const input = tf.input({ shape: [6, 6, 2] });
    const c = tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'c' }).apply(input) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(c) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([c, bn]) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, activation: 'softmax', name: 'probs' }).apply(tf.layers.flatten().apply(sum)) as tf.SymbolicTensor;
    const plan = planInt8(keep(tf.model({ inputs: input, outputs: out })));
    expect(plan.ops.map((o) => [o.layer, o.batchNorm])).toEqual([['c', undefined]]);
    expect(plan.fp32.map((f) => f.layer)).toEqual(['bn', 'probs']);
    expect(plan.fp32[1].why).toMatch(/activation 'softmax'/);
  });
});
