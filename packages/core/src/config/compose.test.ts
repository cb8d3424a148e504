import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { composeConfig } from './compose';
import { errorOf } from '../__fixtures__/error-of';

const fixtures = join(__dirname, '__fixtures__');
const configDir = join(fixtures, 'basic');
const compose = (...overrides: string[]) => composeConfig({ configDir, overrides, env: {} });


describe('composeConfig: defaults', () => {
  it('merges group options under their keys, then _self_', () => {
    const { config, choices, overrides } = compose();
    expect(config).toEqual({
      data: { _target_: 'shapes', numSamples: 100, batchSize: 16, processor: { _target_: 'image', size: [32, 32], channels: 3 } },
      model: { _target_: 'simple_cnn', filters: [16, 32], dropout: 0.25 },
      // _self_ is last: the primary's trainer.maxEpochs (5) wins over trainer/default.yaml (10)
      trainer: { maxEpochs: 5, lr: 0.001, precision: 32 },
      logger: { level: 'INFO', file: 'train.log' },
      seed: 42,
      engine: { backend: 'auto', devices: null },
    });
    expect(choices).toEqual({ data: 'shapes', model: 'simple_cnn', trainer: 'default', logger: 'default', experiment: null });
    expect(overrides).toEqual([]);
  });

  it('keeps the defaults order in the output keys', () => {
    expect(Object.keys(compose().config)).toEqual(['data', 'model', 'trainer', 'logger', 'seed', 'engine']);
  });

  it('without _self_ in the list, the primary own keys merge last', () => {
    const { config } = composeConfig({ configDir: join(fixtures, 'noself') });
    expect(config.model).toEqual({ width: 1, depth: 2 });
  });

  it('_self_ first lets the groups override the primary', () => {
    const { config } = composeConfig({ configDir: join(fixtures, 'selffirst') });
    expect(config.model).toEqual({ width: 8, name: 'from_self' });
  });

  it('a group file extends another option and loads a sub-group', () => {
    const { config } = compose('model=resnet');
    // simple_cnn first, resnet's own keys last (lists replace), backbone/r18 under model.backbone
    expect(config.model).toEqual({ _target_: 'resnet', filters: [64], dropout: 0.25, backbone: { depth: 18 } });
  });

  it('an optional group whose file is missing is skipped', () => {
    const { config } = compose('logger=none');
    expect(config.logger).toBeUndefined();
  });

  it('reports a defaults cycle', () => {
    expect(errorOf(() => composeConfig({ configDir: join(fixtures, 'errors') })).message).toMatch(/Defaults cycle: .*loop_a\.yaml → .*loop_b\.yaml → .*loop_a\.yaml/);
  });

  it('a missing primary config is a ConfigError naming the file', () => {
    expect(errorOf(() => composeConfig({ configDir, configName: 'nope' })).message).toMatch(/Cannot read config file .*nope\.yaml \(ENOENT\)/);
  });

  it('a primary that is not a map is rejected', () => {
    expect(errorOf(() => composeConfig({ configDir: join(fixtures, 'errors'), configName: 'list_body' })).message).toMatch(/list_body\.yaml must hold a map of keys, got a list/);
  });
});

describe('composeConfig: group overrides', () => {
  it('group=option switches a group', () => {
    const { config, choices } = compose('data=csv');
    expect(config.data).toEqual({ _target_: 'csv', file: 'data/train.csv', batchSize: 32 });
    expect(choices.data).toBe('csv');
  });

  it('unknown option lists the available options closest first', () => {
    const err = errorOf(() => compose('model=resnt'));
    expect(err.message).toMatch(/Unknown option 'resnt' for config group 'model' \(command line 'model=resnt'\)\. Available options: resnet, resnext, simple_cnn/);
    expect(err.details.suggestions).toEqual(['resnet', 'resnext', 'simple_cnn']);
  });

  it('an option is a file name, not a path', () => {
    expect(errorOf(() => compose('model=../train')).message).toMatch(/Unknown option '\.\.\/train' for config group 'model'/);
  });

  it('group=null disables a group; ~group removes it', () => {
    expect(compose('model=null').config.model).toBeUndefined();
    const removed = compose('~data');
    expect(removed.config.data).toBeUndefined();
    expect('data' in removed.choices).toBe(false);
    expect(errorOf(() => compose('~data=csv')).message).toMatch(/group 'data' is 'shapes', not 'csv'/);
  });

  it('group/sub=option switches a group chosen inside a group file', () => {
    const { config, choices } = compose('model=resnet', 'model/backbone=r50');
    expect(config.model).toMatchObject({ _target_: 'resnet', backbone: { depth: 50, width: 2 } });
    expect(choices['model/backbone']).toBe('r50');
    expect(compose('model=resnet', '~model/backbone').config.model).not.toHaveProperty('backbone');
    expect(errorOf(() => compose('model/backbone=r51')).message).toMatch(/Unknown option 'r51' for config group 'model\/backbone'.*Available options: r50, r18/);
  });

  it('group@path=option places a group option at a path (package override)', () => {
    const { config, choices } = compose('augmentation@data.processor=flip');
    expect((config.data as any).processor).toEqual({ _target_: 'compose', transforms: [{ _target_: 'hflip' }] });
    expect(choices['augmentation@data.processor']).toBe('flip');
    expect(compose('+augmentation@data.augment=flip', 'data.augment.transforms.0._target_=vflip').config.data).toMatchObject({
      augment: { transforms: [{ _target_: 'vflip' }] },
    });
    expect(errorOf(() => compose('augmentation@data.augment=flip')).message).toMatch(/key 'data\.augment' does not exist/);
    expect(errorOf(() => compose('augmentation@data.processor=flp')).message).toMatch(/Unknown option 'flp' for config group 'augmentation'.*Available options: flip/);
    expect(errorOf(() => compose('augmentation@data.processor=[1]')).message).toMatch(/takes an option name of group 'augmentation'/);
  });

  it('group then key override: the key applies to the switched group', () => {
    expect(compose('model=resnet', 'model.dropout=0.5').config.model).toMatchObject({ _target_: 'resnet', dropout: 0.5 });
    expect(compose('model.dropout=0.5', 'model=resnet').config.model).toMatchObject({ _target_: 'resnet', dropout: 0.5 });
  });

  it('a key override on a group key with a map value replaces the node', () => {
    expect(compose('model={_target_: tiny}').config.model).toEqual({ _target_: 'tiny' });
  });
});

describe('composeConfig: experiments', () => {
  it('experiment=name merges at the root after the defaults and switches groups', () => {
    const { config, choices } = compose('experiment=big');
    expect(choices).toMatchObject({ model: 'resnet', data: 'csv', experiment: 'big' });
    expect(config.seed).toBe(7);
    expect(config.trainer).toEqual({ maxEpochs: 50, lr: 0.001, precision: 32 });
    expect(config.model).toMatchObject({ _target_: 'resnet' });
    expect(config.data).toMatchObject({ _target_: 'csv' });
    expect(config.experiment).toBeUndefined();
  });

  it('command-line group and key overrides win over the experiment', () => {
    const { config, choices } = compose('experiment=big', 'model=simple_cnn', 'seed=1');
    expect(choices.model).toBe('simple_cnn');
    expect(config.model).toMatchObject({ _target_: 'simple_cnn' });
    expect(config.seed).toBe(1);
  });

  it('an experiment deep-merges into group nodes and adds keys', () => {
    const { config } = compose('experiment=tagged');
    expect(config.tags).toEqual(['a', 'b']);
    expect(config.data).toMatchObject({ _target_: 'shapes', batchSize: 8, numSamples: 100 });
  });

  it('unknown experiment lists options', () => {
    expect(errorOf(() => compose('experiment=bigg')).message).toMatch(/Unknown option 'bigg' for config group 'experiment'.*Available options: big, tagged/);
  });
});

describe('composeConfig: key overrides and errors', () => {
  it('applies key overrides after composition', () => {
    const { config, overrides } = compose('trainer.maxEpochs=3', '+trainer.clip=1', '~engine.devices', 'seed=1e-3');
    expect(config.trainer).toEqual({ maxEpochs: 3, lr: 0.001, precision: 32, clip: 1 });
    expect(config.engine).toEqual({ backend: 'auto' });
    expect(config.seed).toBe(0.001);
    expect(overrides).toEqual(['trainer.maxEpochs=3', '+trainer.clip=1', '~engine.devices', 'seed=1e-3']);
  });

  it('unknown key names the token, path and suggestion', () => {
    const err = errorOf(() => compose('trainer.maxEpoch=3'));
    expect(err.message).toBe("Cannot override 'trainer.maxEpoch=3': key 'trainer.maxEpoch' does not exist — did you mean 'maxEpochs'?");
  });

  it('malformed tokens fail before any file is read', () => {
    expect(errorOf(() => composeConfig({ configDir: '/nonexistent', overrides: ['a..b=1'] })).message).toMatch(/Malformed override 'a\.\.b=1'/);
  });

  it('a group not in the defaults needs +group=option', () => {
    expect(errorOf(() => compose('optimizer=sgd')).message).toMatch(
      /Cannot switch group 'optimizer' \(command line 'optimizer=sgd'\): it is not in the defaults list of the primary config; use \+optimizer=sgd/,
    );
    const added = compose('+optimizer=sgd');
    expect(added.config.optimizer).toEqual({ _target_: 'sgd', lr: 0.1 });
    expect(added.choices.optimizer).toBe('sgd');
    expect(compose('++optimizer=sgd').config.optimizer).toEqual({ _target_: 'sgd', lr: 0.1 });
    expect(errorOf(() => compose('+optimizer=sdg')).message).toMatch(/Unknown option 'sdg' for config group 'optimizer'.*Available options: sgd/);
    expect(errorOf(() => compose('+model=resnet')).message).toMatch(/group 'model' is already chosen \('simple_cnn'\)/);
  });

  it('resolves interpolations after overrides', () => {
    const { config } = compose('+run.name=${model._target_}-${trainer.maxEpochs}', 'trainer.maxEpochs=7');
    expect(config.run).toEqual({ name: 'simple_cnn-7' });
  });

  it('resolve: false leaves interpolations in place', () => {
    const { config } = composeConfig({ configDir, overrides: ['+x=${seed}'], resolve: false });
    expect(config.x).toBe('${seed}');
  });
});
