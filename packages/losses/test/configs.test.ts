import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ComponentBuilder, createRegistries, loadYamlFile } from '@kiln/core';
import { CrossEntropyLoss, register } from '@kiln/losses';

const dir = join(__dirname, '../../../configs/loss');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('configs/loss', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

  it('has one file per loss', () => {
    expect(files.sort()).toEqual(['bce.yaml', 'cross_entropy.yaml', 'focal.yaml', 'kd.yaml', 'mse.yaml']);
  });

  it.each(files)('%s builds and computes a finite loss', (file) => {
    const builder = new ComponentBuilder(createRegistries(register));
    const loss = builder.build<CrossEntropyLoss>('losses', loadYamlFile(join(dir, file)), 'loss');
    const v = tf.tidy(() => loss.compute(tf.tensor2d([[1, -1, 0]]), tf.tensor1d([0], 'int32')).dataSync()[0]);
    expect(Number.isFinite(v)).toBe(true);
  });

  it('the default cross_entropy config is plain cross-entropy', () => {
    const loss = new ComponentBuilder(createRegistries(register)).build<CrossEntropyLoss>(
      'losses',
      loadYamlFile(join(dir, 'cross_entropy.yaml')),
      'loss',
    );
    const v = tf.tidy(() => loss.compute(tf.tensor2d([[0, 0]]), tf.tensor1d([1], 'int32')).dataSync()[0]);
    expect(v).toBeCloseTo(Math.LN2, 6);
  });
});
