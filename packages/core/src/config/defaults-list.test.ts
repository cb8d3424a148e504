import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeConfig } from './compose';
import { listGroupOptions, readConfigFile } from './config-group';
import { parseDefaultsList } from './defaults-list';

const fixtures = join(__dirname, '__fixtures__');

describe('parseDefaultsList', () => {
  it('normalises every entry form', () => {
    expect(parseDefaultsList(['_self_', 'base', { model: 'x' }, { experiment: null }, { 'optional logger': 'y' }, { '/data': 'csv' }, { 'override /model': 'r' }, { 'model/backbone': 'r18' }], 'f.yaml')).toEqual([
      { kind: 'self' },
      { kind: 'config', name: 'base' },
      { kind: 'group', group: 'model', option: 'x', absolute: false, override: false, optional: false },
      { kind: 'group', group: 'experiment', option: null, absolute: false, override: false, optional: false },
      { kind: 'group', group: 'logger', option: 'y', absolute: false, override: false, optional: true },
      { kind: 'group', group: 'data', option: 'csv', absolute: true, override: false, optional: false },
      { kind: 'group', group: 'model', option: 'r', absolute: true, override: true, optional: false },
      { kind: 'group', group: 'model/backbone', option: 'r18', absolute: false, override: false, optional: false },
    ]);
    expect(parseDefaultsList(undefined, 'f.yaml')).toEqual([]);
  });

  it.each([
    ['not a list', { model: 'x' }, /'defaults' in f\.yaml must be a list/],
    ['bad group key', [{ 'over ride /m': 'x' }], /f\.yaml defaults\[0\]: 'over ride \/m' is not a group name/],
    ['non-string option', [{ model: [1] }], /f\.yaml defaults\[0\]: option for group 'model' must be a name or null/],
    ['two keys', [{ a: 'x', b: 'y' }], /f\.yaml defaults\[0\]: expected '_self_'/],
    ['number', ['_self_', 3], /f\.yaml defaults\[1\]: expected/],
  ])('rejects %s', (_label, raw, message) => {
    expect(() => parseDefaultsList(raw, 'f.yaml')).toThrow(message);
  });
});

describe('config groups', () => {
  it('lists options sorted, .yaml and .yml', () => {
    expect(listGroupOptions(join(fixtures, 'basic'), 'model')).toEqual(['resnet', 'resnext', 'simple_cnn']);
    expect(listGroupOptions(join(fixtures, 'basic'), 'nope')).toEqual([]);
    expect(listGroupOptions(join(fixtures, 'globalpkg'), 'model')).toEqual(['a', 'b', 'c']);
    expect(composeConfig({ configDir: join(fixtures, 'globalpkg'), overrides: ['model=c'] }).config.model).toEqual({ _target_: 'c' });
  });

  it('reads the _global_ package header', () => {
    expect(readConfigFile(join(fixtures, 'globalpkg/extra/root.yaml')).global).toBe(true);
    expect(readConfigFile(join(fixtures, 'globalpkg/extra/none.yaml')).global).toBe(false);
  });

  it('a # @package _global_ option merges at the root', () => {
    const dir = join(fixtures, 'globalpkg');
    expect(composeConfig({ configDir: dir }).config).toEqual({ model: { _target_: 'a' }, extra: { y: 1 }, x: 1 });
    expect(composeConfig({ configDir: dir, overrides: ['extra=root'] }).config).toEqual({ model: { _target_: 'a', size: 3 }, x: 2 });
  });

  it('an experiment may add groups that are not in the defaults', () => {
    const { config, choices } = composeConfig({ configDir: join(fixtures, 'globalpkg'), overrides: ['experiment=adds'] });
    expect(config).toEqual({ model: { _target_: 'b' }, extra: { y: 1 }, newgroup: { k: 'v' }, x: 1, z: 1 });
    expect(choices).toMatchObject({ model: 'b', newgroup: 'n', experiment: 'adds' });
  });

  it('an experiment must switch groups with absolute names', () => {
    expect(() => composeConfig({ configDir: join(fixtures, 'globalpkg'), overrides: ['experiment=relative'] })).toThrow(
      /relative\.yaml defaults\[0\]: a global config switches groups with '\/<group>: <option>'/,
    );
  });
});
