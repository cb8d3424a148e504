import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { loadYamlFile, parseYaml, parseYamlValue, stringifyYaml } from './yaml-io';

const fixtures = join(__dirname, '__fixtures__');

describe('YAML loading', () => {
  it('parses maps, lists and exponent floats as numbers', () => {
    expect(parseYaml('a: 1e-3\nb: [1, 2]\nc: null\nd: "x"')).toEqual({ a: 0.001, b: [1, 2], c: null, d: 'x' });
  });

  it('reads an empty document as null', () => {
    expect(parseYaml('')).toBeNull();
  });

  it('names the file and line of a syntax error', () => {
    const file = join(fixtures, 'errors/bad_syntax.yaml');
    expect(() => loadYamlFile(file)).toThrow(ConfigError);
    expect(() => loadYamlFile(file)).toThrow(/bad_syntax\.yaml:4:3: Flow sequence/);
  });

  it('rejects duplicate keys with their line', () => {
    expect(() => loadYamlFile(join(fixtures, 'errors/dup_keys.yaml'))).toThrow(/dup_keys\.yaml:3:1: Map keys must be unique/);
  });

  it('names a missing file', () => {
    expect(() => loadYamlFile('/nonexistent/kiln.yaml')).toThrow(/Cannot read config file \/nonexistent\/kiln\.yaml \(ENOENT\)/);
  });

  it('loads a valid file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-yaml-'));
    writeFileSync(join(dir, 'x.yaml'), 'size: [28, 28]\n');
    expect(loadYamlFile(join(dir, 'x.yaml'))).toEqual({ size: [28, 28] });
  });
});

describe('override values', () => {
  it.each([
    ['[28,28]', [28, 28]],
    ['null', null],
    ['1e-3', 0.001],
    ['1.e-3', 0.001],
    ['+1E3', 1000],
    ['true', true],
    ['3', 3],
    ["'3'", '3'],
    ['"1e-3"', '1e-3'],
    ['adam', 'adam'],
    ['{a: 1}', { a: 1 }],
    ['', ''],
  ])('%s', (text, expected) => {
    expect(parseYamlValue(text, `k=${text}`)).toEqual(expected);
  });

  it('reports an unclosed bracket naming the token', () => {
    expect(() => parseYamlValue('[1,2', 'size=[1,2')).toThrow(/Malformed override 'size=\[1,2': cannot parse value '\[1,2'/);
  });
});

describe('stringifyYaml', () => {
  it('round-trips config data', () => {
    const value = { a: { b: [1, 'x', null] }, lr: 0.001, s: 'yes' };
    expect(parseYaml(stringifyYaml(value))).toEqual(value);
  });
});
