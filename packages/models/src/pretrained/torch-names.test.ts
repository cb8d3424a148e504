import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { convertedShape } from '@kiln/weights';
import type { ZooModel } from '../zoo-model';
import { MobileNetV2 } from '../mobilenet-v2';
import { ResNet } from '../resnet';
import { TORCH_NAME_MAPS } from './torch-names';

// Keys and shapes of the full-size torchvision state_dicts at 10 classes (scripts/make_torchvision_fixtures.py).
const KEYS = JSON.parse(readFileSync(join(__dirname, '..', '__fixtures__', 'torchvision', 'torchvision_keys.json'), 'utf8')) as Record<string, Record<string, number[]>>;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Every Kiln weight maps to a torchvision key of the converted shape, and every key but num_batches_tracked is used. */
function checkMap(model: ZooModel, type: string, keys: Record<string, number[]>): void {
  const used = new Set<string>();
  for (const w of model.net.weights) {
    const src = TORCH_NAME_MAPS[type](w.originalName, w.shape.length);
    expect(src, w.originalName).toBeDefined();
    expect(keys[src!.key], `${w.originalName} → ${src!.key}`).toBeDefined();
    expect(convertedShape(keys[src!.key], src!.layout), src!.key).toEqual(w.shape);
    used.add(src!.key);
  }
  expect(Object.keys(keys).filter((k) => !used.has(k) && !k.endsWith('num_batches_tracked'))).toEqual([]);
}

describe('torchvision name maps cover the full-size networks', () => {
  it.each([18, 34] as const)('resnet%i (stem=imagenet)', (depth) => {
    const model = new ResNet({ numClasses: 10, inputShape: [32, 32, 3], depth, stem: 'imagenet' });
    checkMap(model, 'resnet', KEYS[`resnet${depth}`]);
    model.dispose();
  });

  it('mobilenet_v2 (stem=imagenet)', () => {
    const model = new MobileNetV2({ numClasses: 10, inputShape: [32, 32, 3], stem: 'imagenet' });
    checkMap(model, 'mobilenet_v2', KEYS.mobilenet_v2);
    model.dispose();
  });
});
