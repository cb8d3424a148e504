import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ComponentBuilder, createRegistries, loadYamlFile } from '@kiln/core';
import { register, type ZooModel } from '@kiln/models';

const dir = join(__dirname, '../../../configs/model');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('configs/model', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it('has one file per zoo model', () => {
    expect(files.sort()).toEqual(['mlp.yaml', 'mobilenet_v2.yaml', 'resnet.yaml', 'simple_cnn.yaml', 'vit_tiny.yaml']);
  });

  it.each(files)('%s builds with numClasses and inputShape from the data', (file) => {
    const node = loadYamlFile(join(dir, file)) as Record<string, unknown>;
    expect(node).not.toHaveProperty('numClasses');
    const builder = new ComponentBuilder(createRegistries(register), { seed: 1 });
    const model = builder.build<ZooModel>('models', node, 'model', { numClasses: 6, inputShape: [32, 32, 3] });
    expect(model.net.outputs[0].shape).toEqual([null, 6]);
    model.dispose();
  });
});
