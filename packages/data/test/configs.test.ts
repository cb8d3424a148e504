import { symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ComponentBuilder, composeConfig, createRegistries, type ConfigNode } from '@kiln/core';
import { register as registerAugmentation } from '@kiln/augmentation';
import { register as registerProcessors } from '@kiln/processors';
import { CsvDataModule, ShapesDataModule, WebDatasetDataModule, register } from '../src/index';
import { tempDir, write } from './fixtures';

const CONFIG_DATA = resolve(__dirname, '../../../configs/data');

/** A config dir holding only the real `data/` group and a primary config selecting it. */
function compose(overrides: string[]) {
  const dir = tempDir('kiln-cfg-');
  symlinkSync(CONFIG_DATA, join(dir, 'data'));
  write(join(dir, 'train.yaml'), 'defaults:\n  - data: shapes\n  - _self_\nseed: 1\n');
  return composeConfig({ configDir: dir, overrides }).config;
}

const registries = createRegistries(registerProcessors, registerAugmentation, register);
const build = (node: unknown) => new ComponentBuilder(registries, { seed: 1 }).build('datasets', node, 'data');

describe('configs/data', () => {
  it('shapes.yaml (the default) builds a ShapesDataModule with a 32×32 RGB processor', () => {
    const dm = build(compose([]).data) as ShapesDataModule;
    expect(dm).toBeInstanceOf(ShapesDataModule);
    expect(dm.inputShape).toEqual([32, 32, 3]);
  });

  it('processor and classes overrides reach the nested nodes', () => {
    const config = compose(['data=csv', 'data.processor.size=[28,28]', 'data.processor.channels=1', 'data.classes=[a,b,c]']);
    const node = config.data as ConfigNode;
    expect(node._target_).toBe('csv');
    const dm = build(node) as CsvDataModule;
    expect(dm.inputShape).toEqual([28, 28, 1]);
    expect(dm.options.classes).toEqual(['a', 'b', 'c']);
    expect(dm.processor.toConfig().mean).toEqual([0.5]);
  });

  it('data=csv without trainCsv fails setup with a clear ConfigError', async () => {
    const dm = build(compose(['data=csv']).data) as CsvDataModule;
    await expect(dm.setup('fit')).rejects.toThrow('data.trainCsv is required for data=csv');
  });

  it('the scale keys (verify, cache: disk, cacheBytes, workers) are accepted with their defaults', () => {
    const dm = build(compose(['data=csv', 'data.cache=disk', 'data.cacheBytes=1000000', 'data.verify=decode', 'data.workers=0']).data) as CsvDataModule;
    expect(dm.options).toMatchObject({ cache: 'disk', cacheBytes: 1000000, verify: 'decode', workers: 0 });
    expect((build(compose(['data=csv']).data) as CsvDataModule).options.verify).toBe('stat');
    expect(() => build(compose(['data=csv', 'data.verify=maybe']).data)).toThrow(/verify/);
  });

  it('data=webdataset builds a WebDatasetDataModule and asks for trainShards', async () => {
    const dm = build(compose(['data=webdataset', 'data.shuffleBuffer=10']).data) as WebDatasetDataModule;
    expect(dm).toBeInstanceOf(WebDatasetDataModule);
    expect(dm.options.shuffleBuffer).toBe(10);
    await expect(dm.setup('fit')).rejects.toThrow('data.trainShards is required for fit with data=webdataset');
  });
});
