import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '@kiln/core';
import { encodeSafetensors, readSafetensors, readWeightsFile, type TensorMap } from '@kiln/weights';
import { MobileNetV2 } from '../mobilenet-v2';
import { ResNet } from '../resnet';
import { VitTiny } from '../vit-tiny';
import { getWeightsMap } from '../weights-map';

const fixtures = join(__dirname, '..', '__fixtures__', 'torchvision');
const tmp = mkdtempSync(join(tmpdir(), 'kiln-pretrained-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function reference(name: string) {
  const ref = readSafetensors(readFileSync(join(fixtures, name)), name).tensors;
  const input = ref.get('input')!;
  const logits = ref.get('logits')!;
  return { input: tf.tensor(input.data as Float32Array, input.shape), logits: logits.data as Float32Array };
}

/** Largest |a - b| / max(|b|) over the batch: 1e-3 relative to the logits' scale. */
function relError(got: Float32Array, want: Float32Array): number {
  const scale = Math.max(...Array.from(want, Math.abs));
  return Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i]))) / scale;
}

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = new Logger({ level: 'INFO', sinks: [{ write: (_r, line) => lines.push(line) }] });
  return { logger, lines };
}

describe('model.pretrained: torchvision weights', () => {
  it('resnet stem=imagenet reproduces torchvision eval logits (.pth, width/16 resnet18, 40×40 input)', () => {
    const { input, logits } = reference('resnet18_w16.ref.safetensors');
    const model = new ResNet({ numClasses: 5, inputShape: [40, 40, 3], depth: 18, widthMultiplier: 1 / 16, stem: 'imagenet', pretrained: join(fixtures, 'resnet18_w16.pth') });
    const out = model.net.predict(input) as tf.Tensor;
    expect(out.shape).toEqual([2, 5]);
    expect(relError(out.dataSync() as Float32Array, logits)).toBeLessThan(1e-3);
    model.dispose();
  });

  it('the same network exported to ONNX (initializers) gives the same logits', () => {
    const { input, logits } = reference('resnet18_w16.ref.safetensors');
    const model = new ResNet({ numClasses: 5, inputShape: [40, 40, 3], widthMultiplier: 1 / 16, stem: 'imagenet', pretrained: join(fixtures, 'resnet18_w16.onnx') });
    expect(relError((model.net.predict(input) as tf.Tensor).dataSync() as Float32Array, logits)).toBeLessThan(1e-3);
    model.dispose();
  });

  it('the cifar stem does not load torchvision weights: the 7×7 stem kernel is listed as misshaped', () => {
    expect(() => new ResNet({ numClasses: 5, inputShape: [40, 40, 3], widthMultiplier: 1 / 16, pretrained: join(fixtures, 'resnet18_w16.pth') })).toThrow(
      /model\.pretrained: .*resnet18_w16\.pth does not fit model 'resnet' \(model\.strict=true\): size mismatch 1: conv1\.weight: file \[4, 3, 7, 7\] \(conv\) → model stem_conv\/kernel \[3, 3, 3, 4\]/,
    );
  });

  it('mobilenet_v2 stem=imagenet reproduces torchvision eval logits (F16 .safetensors, width 0.25)', () => {
    const { input, logits } = reference('mobilenet_v2_w025.ref.safetensors');
    const model = new MobileNetV2({ numClasses: 3, inputShape: [48, 48, 3], widthMultiplier: 0.25, stem: 'imagenet', dropout: 0.2, pretrained: join(fixtures, 'mobilenet_v2_w025.safetensors') });
    const out = model.net.predict(input) as tf.Tensor;
    expect(relError(out.dataSync() as Float32Array, logits)).toBeLessThan(1e-3);
    model.dispose();
  });

  it('re-initialises a head of another class count with a WARN, loads everything else', () => {
    const { logger, lines } = capture();
    const file = join(fixtures, 'resnet18_w16.pth');
    const model = new ResNet({ numClasses: 7, inputShape: [40, 40, 3], widthMultiplier: 1 / 16, stem: 'imagenet', pretrained: file, seed: 1 }, { logger });
    expect(lines.join('\n')).toMatch(/WARN.*the file's head has 5 classes, the model 7: the logits layer is re-initialised/);
    const file32 = readWeightsFile(file);
    const got = getWeightsMap(model.net);
    expect(Array.from(got.get('stage4_block2_bn2/moving_variance')!)).toEqual(Array.from(file32.get('layer4.1.bn2.running_var')!.data as Float32Array));
    expect(got.get('logits/kernel')!.length).toBe(32 * 7);
    model.dispose();
  });

  it('lists every missing/unexpected key; strict=false loads what fits with a WARN', () => {
    const tensors: TensorMap = readWeightsFile(join(fixtures, 'resnet18_w16.pth'));
    tensors.delete('layer2.0.downsample.0.weight');
    tensors.set('extra.weight', { shape: [1], dtype: 'F32', data: new Float32Array(1) });
    const file = join(tmp, 'partial.safetensors');
    writeFileSync(file, encodeSafetensors(tensors));
    const opts = { numClasses: 5, inputShape: [40, 40, 3] as [number, number, number], widthMultiplier: 1 / 16, stem: 'imagenet' as const, pretrained: file };
    expect(() => new ResNet(opts)).toThrow(/missing key\(s\) 1: layer2\.0\.downsample\.0\.weight \(for stage2_block1_proj\/kernel\)\. unexpected key\(s\) 1: extra\.weight/);
    const { logger, lines } = capture();
    const model = new ResNet({ ...opts, strict: false }, { logger });
    expect(lines.join('\n')).toMatch(/WARN.*model\.strict=false.*layer2\.0\.downsample\.0\.weight/);
    model.dispose();
  });

  it('reads Kiln-named safetensors (a round trip of getWeightsMap) and names a bad file and the key', () => {
    const src = new ResNet({ numClasses: 3, inputShape: [16, 16, 3], widthMultiplier: 1 / 16, seed: 4 });
    const map: TensorMap = new Map([...getWeightsMap(src.net)].map(([k, v]) => [k, { shape: src.net.weights.find((w) => w.originalName === k)!.shape as number[], dtype: 'F32', data: v }]));
    const file = join(tmp, 'kiln.safetensors');
    writeFileSync(file, encodeSafetensors(map));
    const copy = new ResNet({ numClasses: 3, inputShape: [16, 16, 3], widthMultiplier: 1 / 16, seed: 9, pretrained: file });
    expect([...getWeightsMap(copy.net)]).toEqual([...getWeightsMap(src.net)]);
    writeFileSync(join(tmp, 'bad.pth'), 'not a zip');
    expect(() => new ResNet({ numClasses: 3, inputShape: [16, 16, 3], pretrained: join(tmp, 'bad.pth') })).toThrow(/model\.pretrained: .*bad\.pth: not a torch\.save zip archive/);
    expect(() => new ResNet({ numClasses: 3, inputShape: [16, 16, 3], pretrained: join(tmp, 'none.safetensors') })).toThrow(/model\.pretrained: cannot read weights file .*none\.safetensors/);
    src.dispose();
    copy.dispose();
  });

  it("maps timm vit_tiny's blocks, norms and head (its class token and positional table do not fit Kiln's ViT)", () => {
    const dim = 8;
    const vit = new VitTiny({ numClasses: 2, inputShape: [8, 8, 3], patchSize: 4, dim, depth: 1, heads: 2 });
    const t = (shape: number[], v = 0.5): TensorMap extends Map<string, infer T> ? T : never => ({ shape, dtype: 'F32', data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v) });
    const timm: TensorMap = new Map([
      ['cls_token', t([1, 1, dim])], ['pos_embed', t([1, 5, dim])],
      ['patch_embed.proj.weight', t([dim, 3, 4, 4])], ['patch_embed.proj.bias', t([dim])],
      ['blocks.0.norm1.weight', t([dim])], ['blocks.0.norm1.bias', t([dim])],
      ['blocks.0.attn.qkv.weight', t([3 * dim, dim], 0.25)], ['blocks.0.attn.qkv.bias', t([3 * dim])],
      ['blocks.0.attn.proj.weight', t([dim, dim])], ['blocks.0.attn.proj.bias', t([dim])],
      ['blocks.0.norm2.weight', t([dim])], ['blocks.0.norm2.bias', t([dim])],
      ['blocks.0.mlp.fc1.weight', t([4 * dim, dim])], ['blocks.0.mlp.fc1.bias', t([4 * dim])],
      ['blocks.0.mlp.fc2.weight', t([dim, 4 * dim])], ['blocks.0.mlp.fc2.bias', t([dim])],
      ['norm.weight', t([dim])], ['norm.bias', t([dim])], ['head.weight', t([2, dim])], ['head.bias', t([2])],
    ]);
    const file = join(tmp, 'vit.safetensors');
    writeFileSync(file, encodeSafetensors(timm));
    expect(() => new VitTiny({ numClasses: 2, inputShape: [8, 8, 3], patchSize: 4, dim, depth: 1, heads: 2, pretrained: file })).toThrow(
      /missing key\(s\) 1: pos_embed\/depthwise_kernel\. unexpected key\(s\) 2: cls_token, pos_embed$/,
    );
    const loaded = new VitTiny({ numClasses: 2, inputShape: [8, 8, 3], patchSize: 4, dim, depth: 1, heads: 2, pretrained: file, strict: false });
    expect(new Set(getWeightsMap(loaded.net).get('block1_attn/qkv_kernel'))).toEqual(new Set([0.25]));
    vit.dispose();
    loaded.dispose();
  });
});
