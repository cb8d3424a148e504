import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { resolveInterpolations } from './interpolate';
import { errorOf } from '../__fixtures__/error-of';

const resolve = (config: unknown, env: Record<string, string> = {}) => resolveInterpolations(config, { env }) as any;


describe('resolveInterpolations', () => {
  it('whole-string references keep the type; embedded ones stringify', () => {
    const out = resolve({
      data: { size: [28, 28], classes: 10, name: 'shapes' },
      model: { inputSize: '${data.size}', numClasses: '${data.classes}', label: '${data.name}-${data.classes}', list: 'x=${data.size}' },
    });
    expect(out.model).toEqual({ inputSize: [28, 28], numClasses: 10, label: 'shapes-10', list: 'x=[28,28]' });
  });

  it('references list items and whole maps (copied, not aliased)', () => {
    const out = resolve({ a: { b: [1, { c: true }] }, x: '${a.b.1.c}', y: '${a}' });
    expect(out.x).toBe(true);
    expect(out.y).toEqual({ b: [1, { c: true }] });
    out.y.b.push(2);
    expect(out.a.b).toHaveLength(2);
  });

  it('follows chains and resolves inside referenced values', () => {
    expect(resolve({ a: '${b}', b: '${c}', c: 5 })).toEqual({ a: 5, b: 5, c: 5 });
    expect(resolve({ m: { w: 3, h: '${m.w}' }, n: '${m}' }).n).toEqual({ w: 3, h: 3 });
  });

  it('relative references: .x is a sibling, ..x a sibling of the parent', () => {
    const out = resolve({ seed: 1, model: { width: 8, hidden: '${.width}', head: { units: '${..width}', all: '${...seed}' } }, top: '${.seed}' });
    expect(out.model).toEqual({ width: 8, hidden: 8, head: { units: 8, all: 1 } });
    expect(out.top).toBe(1);
    expect(errorOf(() => resolve({ a: { b: '${...x}' } })).message).toMatch(/Bad interpolation \$\{\.\.\.x\} in 'a\.b'/);
    expect(errorOf(() => resolve({ a: { b: '${.nope}' } })).message).toMatch(/key 'a\.nope' does not exist/);
  });

  it('nested references: the key itself is interpolated', () => {
    expect(resolve({ pick: 'b', opts: { a: 1, b: 2 }, v: '${opts.${pick}}' }).v).toBe(2);
  });

  it('detects cycles and shows them', () => {
    expect(errorOf(() => resolve({ a: '${b}', b: '${c}', c: '${a}' })).message).toBe('Interpolation cycle: a → b → c → a');
    expect(errorOf(() => resolve({ a: '${a}' })).message).toBe('Interpolation cycle: a → a');
    expect(errorOf(() => resolve({ m: { x: '${m}' } })).message).toMatch(/Interpolation cycle: m → m\.x → m/);
  });

  it('missing key names the holder and suggests', () => {
    const err = errorOf(() => resolve({ model: { width: 3 }, x: { y: '${model.widht}' } }));
    expect(err.message).toMatch(/Interpolation \$\{model\.widht\} in 'x\.y' refers to a missing key: key 'model\.widht' does not exist — did you mean 'width'\?/);
  });

  it('env: value, default, missing', () => {
    expect(resolve({ a: '${env:KILN_X}' }, { KILN_X: 'hello' }).a).toBe('hello');
    expect(resolve({ a: '${env:KILN_N}' }, { KILN_N: '32' }).a).toBe(32);
    expect(resolve({ a: '${env:KILN_N,16}' }).a).toBe(16);
    expect(resolve({ a: '${env:KILN_N, /tmp/x}' }).a).toBe('/tmp/x');
    expect(resolve({ a: '${env:KILN_N,}' }).a).toBe('');
    expect(resolve({ a: 'dir=${env:KILN_D,out}/run' }).a).toBe('dir=out/run');
    expect(resolve({ d: 4, a: '${env:KILN_N,${d}}' }).a).toBe(4);
    const err = errorOf(() => resolve({ paths: { root: '${env:KILN_ROOT}' } }));
    expect(err.message).toMatch(/Environment variable 'KILN_ROOT' is not set \(needed by 'paths\.root'/);
    expect(err.details.path).toBe('paths.root');
  });

  it('uses process.env by default', () => {
    process.env.KILN_TEST_ENV_VAR = 'from-process';
    try {
      expect((resolveInterpolations({ a: '${env:KILN_TEST_ENV_VAR}' }) as any).a).toBe('from-process');
    } finally {
      delete process.env.KILN_TEST_ENV_VAR;
    }
  });

  it('escaped \\${…} stays literal', () => {
    expect(resolve({ a: 1, s: '\\${a} and ${a}' }).s).toBe('${a} and 1');
  });

  it('unclosed and empty interpolations are errors', () => {
    expect(errorOf(() => resolve({ s: 'x ${a' })).message).toMatch(/Unclosed '\$\{' in the value of 's'/);
    expect(errorOf(() => resolve({ s: '${}' })).message).toMatch(/Bad interpolation \$\{\} in 's'/);
  });

  it('leaves other values alone and does not modify the input', () => {
    const input = { a: 1, b: 'plain', c: [null, true], d: '${a}' };
    const out = resolve(input);
    expect(out).toEqual({ a: 1, b: 'plain', c: [null, true], d: 1 });
    expect(input.d).toBe('${a}');
  });
});
