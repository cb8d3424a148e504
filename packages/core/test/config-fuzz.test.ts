import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, KilnError } from '../src/errors';
import { Rng } from '../src/rng';
import { composeConfig } from '../src/config/compose';
import { resolveInterpolations } from '../src/config/interpolate';
import { isPlainObject } from '../src/config/merge';
import { applyOverride, parseOverride } from '../src/config/override';
import { parseYaml, stringifyYaml } from '../src/config/yaml-io';

// Seeded property tests (issue 13, "fuzzed parsers"): whatever the input, the override parser and the
// YAML loader/composer return plain config data or throw ONE ConfigError naming the input — never a
// TypeError/RangeError, a hang or a stack overflow. Change SEED to explore; a failure prints its input.
const SEED = Number(process.env.KILN_FUZZ_SEED ?? 13);
const CASES = Number(process.env.KILN_FUZZ_CASES ?? 1500);

const FRAGMENTS = [
  '{', '}', '[', ']', ':', ': ', ',', ' ', '\n', '\n  ', '\n- ', '- ', '#', "'", '"', '\\', '&a ', '*a', '&b ', '*b',
  '${', '}', '${a}', '${.x}', '${..y}', '${env:HOME}', '${env:NOPE,1}', '\\${', '!!str ', '!!binary ', '!!set ', '!foo ',
  '?', '|', '>', '%YAML 1.2\n', '---\n', '...', '~', 'null', 'true', 'no', '.inf', '.nan', '-0', '0x1F', '1e999', '-1e999',
  '12345678901234567890', '1e-3', '3', '1.', '+', '++', '=', '.', '..', '@', '/', '__proto__', 'constructor', 'prototype',
  'a', 'b', 'x', 'model', 'trainer', 'maxEpochs', '_target_', 'defaults', '_self_', '\u0000', '\ud800', '😀', 'é', '\u202e', '\t',
];
const KEYS = ['a', 'b', 'x', 'seed', 'trainer', 'trainer.maxEpochs', 'trainer.lr', 'list.0', 'list.9', 'deep.a.b.c', 'model', '__proto__.x', 'a..b', '', 'a b', 'é'];
const PREFIXES = ['', '', '', '+', '++', '~', ' '];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

function junk(rng: Rng, maxParts: number): string {
  let s = '';
  for (let n = 1 + rng.int(maxParts); n > 0; n--) s += pick(rng, FRAGMENTS);
  return s;
}

/** A real config file's text with a few fragments inserted, deleted or replaced. */
function mutate(rng: Rng, text: string): string {
  let s = text;
  for (let n = 1 + rng.int(4); n > 0; n--) {
    const i = rng.int(s.length + 1);
    const op = rng.int(3);
    if (op === 0) s = s.slice(0, i) + pick(rng, FRAGMENTS) + s.slice(i);
    else if (op === 1) s = s.slice(0, i) + s.slice(i + 1 + rng.int(8));
    else s = s.slice(0, i) + junk(rng, 3) + s.slice(i + rng.int(4));
  }
  return s;
}

/** Plain config data only: maps with Object.prototype, lists, finite-or-inf numbers, text, booleans, null. */
function assertPlain(value: unknown, where = '<root>'): void {
  const stack: Array<[unknown, string]> = [[value, where]];
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) continue;
    if (Array.isArray(v)) v.forEach((c, i) => stack.push([c, `${at}.${i}`]));
    else if (isPlainObject(v)) Object.entries(v).forEach(([k, c]) => stack.push([c, `${at}.${k}`]));
    else throw new Error(`not plain config data at ${at}: ${Object.prototype.toString.call(v)}`);
  }
}

/** Runs `fn`; a thrown error must be a ConfigError whose message contains `mustName`. */
function outcome(fn: () => unknown, input: string, mustName?: string): unknown {
  try {
    return { value: fn() };
  } catch (err) {
    const shown = JSON.stringify(input).slice(0, 300);
    expect(err, `input ${shown} threw ${String(err)}`).toBeInstanceOf(KilnError);
    expect(err, `input ${shown}`).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message, `input ${shown}`).not.toMatch(/call stack|undefined|\[object Object\]|is not a function|Cannot read prop/);
    if (mustName !== undefined) expect(message, `input ${shown}`).toContain(mustName);
    return { error: message };
  }
}

const base = () => ({ seed: 42, a: null, trainer: { maxEpochs: 10, lr: 0.1, ema: null }, list: [1, 2], model: { _target_: 'mlp', width: '${trainer.maxEpochs}' } });

describe('override parser (seeded fuzz)', () => {
  it(`${CASES} random tokens: a plain config or one ConfigError naming the token`, () => {
    const rng = new Rng(SEED, 'override');
    for (let i = 0; i < CASES; i++) {
      const token = rng.bernoulli(0.2) ? junk(rng, 8) : `${pick(rng, PREFIXES)}${pick(rng, KEYS)}${rng.bernoulli(0.9) ? '=' + junk(rng, 6) : ''}`;
      const config: Record<string, unknown> = base();
      const r = outcome(() => applyOverride(config, parseOverride(token)), token, token.trim()) as { error?: string };
      if (r.error) continue;
      const resolved = outcome(() => resolveInterpolations(config, { env: { HOME: '/home/u' } }), token) as { value?: unknown };
      if (!('value' in resolved)) continue;
      assertPlain(resolved.value);
      expect(Object.getPrototypeOf(config), token).toBe(Object.prototype);
      // a composed config is written to config.yaml and read back on resume: it must round-trip
      expect(parseYaml(stringifyYaml(config), 'roundtrip'), token).toEqual(config);
    }
  });
});

describe('YAML loader (seeded fuzz)', () => {
  const configs = resolve(__dirname, '../../../configs');
  const texts = readdirSync(configs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => readFileSync(join(configs, f), 'utf8'));

  it('finds the real config files to mutate', () => {
    expect(texts.length).toBeGreaterThan(10);
  });

  it(`${CASES} mutated and random documents: plain data or one ConfigError naming the file`, () => {
    const rng = new Rng(SEED, 'yaml');
    for (let i = 0; i < CASES; i++) {
      const text = rng.bernoulli(0.7) ? mutate(rng, pick(rng, texts)) : junk(rng, 30);
      const r = outcome(() => parseYaml(text, 'fuzz.yaml'), text, 'fuzz.yaml') as { value?: unknown };
      if ('value' in r) assertPlain(r.value);
    }
  });
});

describe('composer (seeded fuzz)', () => {
  it('random group files and overrides: a composed config or one ConfigError', () => {
    const rng = new Rng(SEED, 'compose');
    const dir = mkdtempSync(join(tmpdir(), 'kiln-fuzz-compose-'));
    mkdirSync(join(dir, 'model'));
    const primary = 'defaults:\n  - model: a\n  - _self_\nseed: 1\nname: ${model.name}\n';
    const option = 'name: small\nwidth: 8\nsize: [${.width}, ${.width}]\n';
    const cases = Math.max(50, Math.floor(CASES / 10));
    for (let i = 0; i < cases; i++) {
      writeFileSync(join(dir, 'train.yaml'), rng.bernoulli(0.5) ? mutate(rng, primary) : primary);
      writeFileSync(join(dir, 'model', 'a.yaml'), mutate(rng, option));
      writeFileSync(join(dir, 'model', 'b.yaml'), mutate(rng, option));
      const overrides = Array.from({ length: rng.int(3) }, () =>
        rng.bernoulli(0.3) ? `model=${pick(rng, ['a', 'b', 'c', '../x', 'null'])}` : `${pick(rng, PREFIXES)}${pick(rng, ['seed', 'name', 'model.width', 'model.size.0', 'x'])}=${junk(rng, 3)}`,
      );
      const input = JSON.stringify({ overrides, train: readFileSync(join(dir, 'train.yaml'), 'utf8'), a: readFileSync(join(dir, 'model', 'a.yaml'), 'utf8') });
      const r = outcome(() => composeConfig({ configDir: dir, overrides, env: {} }), input) as { value?: { config: unknown } };
      if (r.value) assertPlain(r.value.config);
    }
  });
});

describe('hostile inputs are refused quickly with one ConfigError', () => {
  const laughs = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < 10; i++) {
    const [prev, name] = [String.fromCharCode(96 + i), String.fromCharCode(97 + i)];
    laughs.push(`${name}: &${name} [${Array(9).fill('*' + prev).join(', ')}]`);
  }

  it.each([
    ['billion laughs', laughs.join('\n'), /alias/],
    ['flow nesting {[{[… 100k deep', '{a: ['.repeat(100_000), /nested deeper than 100 levels/],
    ['flow nesting [[[… 5k deep, closed', '['.repeat(5000) + ']'.repeat(5000), /nested deeper/],
    ['block nesting - - - … 100k deep', '- '.repeat(100_000) + 'x', /nested more than 200 columns/],
    ['block nesting by indentation, 1000 deep', Array.from({ length: 1000 }, (_, i) => ' '.repeat(i) + 'a:').join('\n'), /bomb.yaml:201:1: indented or nested/],
    ['a __proto__ key', '__proto__: {polluted: true}', /'__proto__' is not allowed/],
    ['a number past a double', 'lr: 1e999', /out of range/],
    ['an integer past 2^53', 'seed: 123456789012345678901', /cannot be represented exactly/],
    ['a collection as key', '? [a, b]\n: 1', /map keys must be plain names/],
    ['a !!binary tag', 'x: !!binary aGVsbG8=', /Unresolved tag/],
    ['an alias without its anchor', 'a: *b', /Unresolved alias/],
    ['two documents', 'a: 1\n---\nb: 2', /multiple documents/],
  ])('%s', (_, text, pattern) => {
    const message = (outcome(() => parseYaml(text, 'bomb.yaml'), text, 'bomb.yaml') as { error?: string }).error;
    expect(message).toMatch(pattern);
  }, 10_000);

  it('aliases within budget still load', () => {
    expect(parseYaml('a: &a {x: 1}\nb: *a')).toEqual({ a: { x: 1 }, b: { x: 1 } });
    expect(parseYaml('big: .inf\nsmall: -.inf\nn: 9007199254740991')).toEqual({ big: Infinity, small: -Infinity, n: 9007199254740991 });
  });

  it.each([
    ['a 20 000-long chain of references', () => Object.fromEntries([...Array.from({ length: 20_000 }, (_, i) => [`k${i}`, `\${k${i + 1}}`]), ['k20000', 1]]), /more than 100 levels deep/],
    ['${${${… 10k deep', () => ({ a: '${'.repeat(10_000) + 'b' + '}'.repeat(10_000), b: 'b' }), /more than 100 levels deep/],
    ['text doubling ${l}${l} 40 times', () => Object.fromEntries([['l0', 'xx'], ...Array.from({ length: 40 }, (_, i) => [`l${i + 1}`, `\${l${i}}\${l${i}}`])]), /characters/],
    ['list doubling [${l}, ${l}] 40 times', () => Object.fromEntries([['l0', [1, 2]], ...Array.from({ length: 40 }, (_, i) => [`l${i + 1}`, [`\${l${i}}`, `\${l${i}}`]])]), /expand the config past/],
    ['a cycle through a map', () => ({ a: '${b}', b: { c: '${a}' } }), /Interpolation cycle: a → b → b\.c → a/],
    ['a self-reference', () => ({ a: { b: '${a}' } }), /Interpolation cycle/],
  ])('%s', (_, make, pattern) => {
    const message = (outcome(() => resolveInterpolations(make()), String(_)) as { error?: string }).error;
    expect(message).toMatch(pattern);
  }, 10_000);

  it.each([
    ['+__proto__.x=1', /'__proto__' is not allowed/],
    ['x=1e999', /cannot be represented exactly|out of range/],
    ['seed=123456789012345678901', /cannot be represented exactly/],
    [`+${Array(5000).fill('a').join('.')}=1`, /5000 segments/],
    [`x=${'['.repeat(100_000)}`, /nested deeper/],
  ])('override %#', (token, pattern) => {
    const config: Record<string, unknown> = { x: 1, seed: 1 };
    const message = (outcome(() => applyOverride(config, parseOverride(token)), token, token.slice(0, 40)) as { error?: string }).error;
    expect(message).toMatch(pattern);
    expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
  }, 10_000);
});
