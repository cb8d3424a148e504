import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { composeConfig } from './compose';
import { createRunDir, findLatestRun, loadRunConfig, updateLatestLink, writeRunFiles } from './run-dir';
import { parseYaml } from './yaml-io';

const configDir = join(__dirname, '__fixtures__', 'basic');
// Local-time constructor, so the expected folder names do not depend on the machine's zone.
const when = new Date(2026, 10, 23, 9, 5, 7);
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kiln-runs-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('createRunDir', () => {
  it('creates <root>/<date>/<time> in local time and writes nothing inside', () => {
    const dir = createRunDir({ root, now: when });
    expect(dir).toBe(join(root, '2026-11-23', '09-05-07'));
    expect(readdirSync(dir)).toEqual([]);
    expect(readdirSync(root)).toEqual(['2026-11-23']);
  });

  it('adds -1, -2 when the folder exists', () => {
    const dirs = [0, 1, 2].map(() => createRunDir({ root, now: when }));
    expect(dirs.map((d) => d.slice(root.length + 1))).toEqual(['2026-11-23/09-05-07', '2026-11-23/09-05-07-1', '2026-11-23/09-05-07-2']);
  });

  it('appends a name and rejects unsafe names', () => {
    expect(createRunDir({ root, now: when, name: 'resnet' })).toBe(join(root, '2026-11-23', '09-05-07_resnet'));
    expect(() => createRunDir({ root, now: when, name: '../evil' })).toThrow(ConfigError);
  });
});

describe('writeRunFiles + latest', () => {
  it('writes config.yaml and overrides.yaml and points latest at the run', () => {
    const dir = createRunDir({ root, now: when });
    writeRunFiles(dir, { config: { seed: 1, model: { lr: 0.001 } }, overrides: ['seed=1', 'model.lr=1e-3'] });
    expect(parseYaml(readFileSync(join(dir, 'config.yaml'), 'utf8'))).toEqual({ seed: 1, model: { lr: 0.001 } });
    expect(parseYaml(readFileSync(join(dir, 'overrides.yaml'), 'utf8'))).toEqual(['seed=1', 'model.lr=1e-3']);
    expect(lstatSync(join(root, 'latest')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(root, 'latest'))).toBe(join('2026-11-23', '09-05-07'));
    expect(findLatestRun(root)).toBe(dir);
    // no temp files left behind
    expect(readdirSync(root).sort()).toEqual(['2026-11-23', 'latest']);
    expect(readdirSync(dir).sort()).toEqual(['config.yaml', 'overrides.yaml']);
  });

  it('moves latest to the newer run, replacing the old link', () => {
    const first = createRunDir({ root, now: when });
    const second = createRunDir({ root, now: new Date(2026, 10, 24, 1, 0, 0) });
    writeRunFiles(first, { config: {}, overrides: [] });
    writeRunFiles(second, { config: {}, overrides: [] });
    expect(findLatestRun(root)).toBe(second);
    updateLatestLink(root, first);
    expect(findLatestRun(root)).toBe(first);
  });
});

describe('findLatestRun', () => {
  it('is undefined for a missing or empty root', () => {
    expect(findLatestRun(join(root, 'nothing'))).toBeUndefined();
    expect(findLatestRun(root)).toBeUndefined();
  });

  it('without a link picks the newest dated folder, suffixes counted numerically', () => {
    for (const d of ['2026-11-22/23-59-59', '2026-11-23/08-00-00', '2026-11-23/09-05-07', '2026-11-23/09-05-07-2', '2026-11-23/09-05-07-10']) {
      mkdirSync(join(root, d), { recursive: true });
    }
    mkdirSync(join(root, 'not-a-date'));
    expect(findLatestRun(root)).toBe(join(root, '2026-11-23', '09-05-07-10'));
  });

  it('falls back to scanning when latest is dangling', () => {
    mkdirSync(join(root, '2026-01-01', '10-00-00'), { recursive: true });
    symlinkSync('2030-01-01/00-00-00', join(root, 'latest'));
    expect(findLatestRun(root)).toBe(join(root, '2026-01-01', '10-00-00'));
  });
});

describe('re-running from config.yaml', () => {
  it('loadRunConfig reproduces the composed config exactly and takes further overrides', () => {
    const composed = composeConfig({
      configDir,
      overrides: ['experiment=big', 'trainer.maxEpochs=3', '+note=${model._target_}', '+template=\\${epoch}-${seed}'],
      env: {},
    });
    expect(composed.config.template).toBe('${epoch}-7');
    const dir = createRunDir({ root, now: when });
    writeRunFiles(dir, composed);
    const again = loadRunConfig(dir);
    expect(again.config).toEqual(composed.config);
    expect(loadRunConfig(join(dir, 'config.yaml')).config).toEqual(composed.config);
    const changed = loadRunConfig(dir, { overrides: ['trainer.maxEpochs=9'] });
    expect(changed.config.trainer).toMatchObject({ maxEpochs: 9 });
    expect(changed.overrides).toEqual(['trainer.maxEpochs=9']);
    expect(() => loadRunConfig(dir, { overrides: ['trainer.maxEpoch=9'] })).toThrow(/did you mean 'maxEpochs'/);
  });

  it('with configDir, group=option replaces the saved node', () => {
    const dir = createRunDir({ root, now: when });
    writeRunFiles(dir, composeConfig({ configDir, overrides: ['model=resnet'] }));
    const { config, choices } = loadRunConfig(dir, { configDir, overrides: ['model=simple_cnn'] });
    // replaced, not merged: resnet's backbone is gone
    expect(config.model).toEqual({ _target_: 'simple_cnn', filters: [16, 32], dropout: 0.25 });
    expect(choices).toEqual({ model: 'simple_cnn' });
    // on a complete file, ~model and model=null edit the key itself
    expect(loadRunConfig(dir, { configDir, overrides: ['~model'] }).config).not.toHaveProperty('model');
    expect(loadRunConfig(dir, { configDir, overrides: ['model=null'] }).config.model).toBeNull();
  });

  it('a missing config.yaml is a ConfigError', () => {
    expect(() => loadRunConfig(root)).toThrow(/No config\.yaml at /);
  });

  it('a complete config file must not carry a defaults list', () => {
    writeFileSync(join(root, 'c.yaml'), 'defaults: [{model: x}]\na: 1\n');
    expect(() => composeConfig({ configFile: join(root, 'c.yaml') })).toThrow(/must not have a 'defaults' list/);
    expect(existsSync(join(root, 'c.yaml'))).toBe(true);
  });
});
