import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ComponentBuilder } from '../builder';
import { createRegistries } from '../registry';
import { composeConfig } from './compose';

describe('an option file holding `null`', () => {
  it('sets its group key to null (scheduler=none); an empty file still means {}', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-null-'));
    try {
      mkdirSync(join(dir, 'scheduler'));
      writeFileSync(join(dir, 'train.yaml'), 'defaults:\n  - scheduler: cosine\n  - _self_\n');
      writeFileSync(join(dir, 'scheduler', 'cosine.yaml'), '_target_: cosine\n');
      writeFileSync(join(dir, 'scheduler', 'none.yaml'), '# Constant learning rate.\nnull\n');
      writeFileSync(join(dir, 'scheduler', 'empty.yaml'), '# nothing\n');
      expect(composeConfig({ configDir: dir }).config.scheduler).toEqual({ _target_: 'cosine' });
      expect(composeConfig({ configDir: dir, overrides: ['scheduler=none'] }).config.scheduler).toBeNull();
      expect(composeConfig({ configDir: dir, overrides: ['scheduler=empty'] }).config.scheduler).toEqual({});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ComponentBuilder.check', () => {
  class Net {
    static readonly type = 'net';
    static readonly optionsSchema = z.object({ numClasses: z.number().int(), width: z.number().default(4) }).strict();
    static built = 0;
    constructor() {
      Net.built++;
    }
  }
  const builder = new ComponentBuilder(createRegistries((r) => r.models.register(Net, 'test')));

  it('validates without constructing; deferred keys may be missing', () => {
    expect(builder.check('models', { _target_: 'net', width: 8 }, 'model', ['numClasses'])).toEqual({ width: 8 });
    expect(Net.built).toBe(0);
    expect(() => builder.check('models', { _target_: 'net' }, 'model')).toThrow(/missing required value/);
    expect(() => builder.check('models', { _target_: 'net', widht: 8 }, 'model', ['numClasses'])).toThrow(/Unknown key 'model.widht'.*did you mean 'width'/);
    expect(() => builder.check('models', { _target_: 'nett' }, 'model')).toThrow(/Did you mean 'net'/);
  });
});
