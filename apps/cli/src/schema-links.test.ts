import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { linkSchemas, schemaFileFor, schemaLineFor } from './schema-links';

describe('schema modelines', () => {
  it('maps the primary config, known groups and nothing else', () => {
    const dir = '/p/configs';
    expect(schemaFileFor(dir, '/p/configs/train.yaml')).toBe('train.json');
    expect(schemaFileFor(dir, '/p/configs/model/resnet.yaml')).toBe('models.json');
    expect(schemaFileFor(dir, '/p/configs/scheduler/none.yaml')).toBe('scheduler.json');
    expect(schemaFileFor(dir, '/p/configs/experiment/x.yaml')).toBe('experiment.json');
    expect(schemaFileFor(dir, '/p/configs/mine/x.yaml')).toBeUndefined();
    expect(schemaFileFor(dir, '/p/configs/model/backbone/r18.yaml')).toBeUndefined();
    expect(schemaLineFor(dir, '/p/configs/schema', '/p/configs/model/resnet.yaml')).toBe('# yaml-language-server: $schema=../schema/models.json');
    expect(schemaLineFor(dir, '/p/schemas', '/p/configs/train.yaml')).toBe('# yaml-language-server: $schema=../schemas/train.json');
  });

  it('linkSchemas inserts the line, replaces a stale one, leaves other lines and is idempotent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-links-'));
    mkdirSync(join(dir, 'model'));
    mkdirSync(join(dir, 'mine'));
    writeFileSync(join(dir, 'train.yaml'), '# Primary\nseed: 1\n');
    writeFileSync(join(dir, 'model', 'a.yaml'), '# yaml-language-server: $schema=old.json\n_target_: mlp\n');
    writeFileSync(join(dir, 'mine', 'b.yaml'), 'x: 1\n');
    expect(linkSchemas(dir, join(dir, 'schema')).map((f) => f.slice(dir.length + 1)).sort()).toEqual(['model/a.yaml', 'train.yaml']);
    expect(readFileSync(join(dir, 'train.yaml'), 'utf8')).toBe('# yaml-language-server: $schema=./schema/train.json\n# Primary\nseed: 1\n');
    expect(readFileSync(join(dir, 'model', 'a.yaml'), 'utf8')).toBe('# yaml-language-server: $schema=../schema/models.json\n_target_: mlp\n');
    expect(readFileSync(join(dir, 'mine', 'b.yaml'), 'utf8')).toBe('x: 1\n');
    expect(linkSchemas(dir, join(dir, 'schema'))).toEqual([]);
  });
});
