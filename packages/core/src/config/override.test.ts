import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { applyOverride, applyOverrides, hasPath, parseOverride } from './override';
import { errorOf } from '../__fixtures__/error-of';

const base = () => ({
  seed: 42,
  trainer: { maxEpochs: 10, lr: 0.1 },
  data: { processor: { size: [32, 32] }, tags: ['a'] },
});

function apply(...tokens: string[]) {
  return applyOverrides(base(), tokens.map(parseOverride)) as any;
}


describe('parseOverride', () => {
  it('parses each form', () => {
    expect(parseOverride('trainer.maxEpochs=3')).toMatchObject({ op: 'set', key: 'trainer.maxEpochs', path: ['trainer', 'maxEpochs'], value: 3 });
    expect(parseOverride('+extra=x')).toMatchObject({ op: 'add', key: 'extra', value: 'x' });
    expect(parseOverride('++extra=1e-3')).toMatchObject({ op: 'force', value: 0.001 });
    expect(parseOverride('~seed')).toMatchObject({ op: 'delete', key: 'seed', hasValue: false });
    expect(parseOverride('~seed=42')).toMatchObject({ op: 'delete', hasValue: true, value: 42 });
    expect(parseOverride('size=[28,28]').value).toEqual([28, 28]);
    expect(parseOverride('x=null').value).toBeNull();
    expect(parseOverride("name='007'").value).toBe('007');
    expect(parseOverride('model/backbone=r50')).toMatchObject({ key: 'model/backbone', path: ['model/backbone'] });
    expect(parseOverride('url=http://a/b?c=d').value).toBe('http://a/b?c=d');
    expect(parseOverride('aug@data.augment=strong')).toMatchObject({ op: 'set', key: 'aug@data.augment', group: 'aug', path: ['data', 'augment'], value: 'strong' });
    expect(parseOverride('trainer.lr=1').group).toBeUndefined();
    // Hydra's dict syntax: no space after the colon
    expect(parseOverride('trainer.ema={decay:0.99}').value).toEqual({ decay: 0.99 });
    expect(parseOverride('x={a:1,b:{c:[1,2]},d: e}').value).toEqual({ a: 1, b: { c: [1, 2] }, d: 'e' });
    expect(parseOverride('x=[{a:1},{a:2}]').value).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseOverride('x={url:http://a/b}').value).toEqual({ url: 'http://a/b' });
  });

  it.each([
    ['=3', /Malformed override '=3': missing key before '='/],
    ['a..b=1', /Malformed override 'a\.\.b=1': empty segment in key 'a\.\.b'/],
    ['.a=1', /empty segment/],
    ['seed', /Malformed override 'seed': expected key=value/],
    ['+seed', /expected key=value/],
    ['size=[1,2', /Malformed override 'size=\[1,2': cannot parse value/],
    ['a b=1', /'a b' in key 'a b' is not a valid key/],
    ['@data.x=1', /'' before '@' is not a config group name/],
    ['a@=1', /empty segment/],
  ])('rejects %s', (token, message) => {
    expect(errorOf(() => parseOverride(token)).message).toMatch(message);
  });
});

describe('applyOverride', () => {
  it('sets existing keys, dotted paths and list indices', () => {
    const c = apply('seed=1', 'trainer.maxEpochs=3', 'data.processor.size.0=28');
    expect(c).toEqual({ seed: 1, trainer: { maxEpochs: 3, lr: 0.1 }, data: { processor: { size: [28, 32] }, tags: ['a'] } });
  });

  it('replaces a whole list or map', () => {
    expect(apply('data.processor.size=[8,8]').data).toEqual({ processor: { size: [8, 8] }, tags: ['a'] });
    expect(apply('trainer={maxEpochs: 1}').trainer).toEqual({ maxEpochs: 1 });
  });

  it('unknown key: names the token, the full path and a suggestion from siblings', () => {
    const err = errorOf(() => apply('trainer.maxEpoch=3'));
    expect(err.message).toMatch(/'trainer\.maxEpoch=3'/);
    expect(err.message).toMatch(/'trainer\.maxEpoch' does not exist/);
    expect(err.message).toMatch(/did you mean 'maxEpochs'/);
    expect(err.details).toMatchObject({ path: 'trainer.maxEpoch', key: 'maxEpoch', suggestions: ['maxEpochs'] });
  });

  it('unknown intermediate key names the missing part', () => {
    const err = errorOf(() => apply('trainr.maxEpochs=3'));
    expect(err.message).toMatch(/'trainr\.maxEpochs' does not exist: 'trainr' is missing — did you mean 'trainer'/);
  });

  it('without a close sibling lists the keys that exist', () => {
    expect(errorOf(() => apply('trainer.zzzzzzzz=1')).message).toMatch(/keys there: (lr, maxEpochs|maxEpochs, lr)/);
  });

  it('list index out of range', () => {
    expect(errorOf(() => apply('data.processor.size.5=1')).message).toMatch(/list has 2 items: indices 0\.\.1/);
  });

  it('setting through a scalar is an error', () => {
    expect(errorOf(() => apply('seed.x=1')).message).toMatch(/'seed' is 42, not a map/);
  });

  it('+key adds a new key (creating parents) and refuses an existing one', () => {
    expect(apply('+trainer.clip=1').trainer).toEqual({ maxEpochs: 10, lr: 0.1, clip: 1 });
    expect(apply('+new.deep.key=x').new).toEqual({ deep: { key: 'x' } });
    expect(apply('+data.tags.1=b').data.tags).toEqual(['a', 'b']);
    const err = errorOf(() => apply('+seed=1'));
    expect(err.message).toMatch(/Cannot add '\+seed=1': 'seed' already exists \(value 42\)/);
  });

  it("+key on a key that exists with value null is an error too, pointing at 'key=v' and '++key=v'", () => {
    const withNull = () => ({ trainer: { ema: null } });
    const err = errorOf(() => applyOverrides(withNull(), [parseOverride('+trainer.ema={decay: 0.999}')]));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/'trainer\.ema' already exists \(value null\)/);
    expect(err.message).toContain("use 'trainer.ema={decay: 0.999}'");
    expect(err.message).toContain("'++trainer.ema={decay: 0.999}'");
    expect(applyOverrides(withNull(), [parseOverride('trainer.ema={decay: 0.999}')])).toEqual({ trainer: { ema: { decay: 0.999 } } });
    expect(applyOverrides(withNull(), [parseOverride('++trainer.ema={decay: 0.999}')])).toEqual({ trainer: { ema: { decay: 0.999 } } });
  });

  it('++key adds or overrides', () => {
    expect(apply('++seed=1').seed).toBe(1);
    expect(apply('++extra.a=2')).toMatchObject({ extra: { a: 2 } });
  });

  it('~key deletes; ~key=value deletes only when equal', () => {
    expect(hasPath(apply('~trainer.lr'), ['trainer', 'lr'])).toBe(false);
    expect(apply('~trainer.lr=0.1').trainer).toEqual({ maxEpochs: 10 });
    expect(apply('~data.processor.size.0').data.processor.size).toEqual([32]);
    expect(errorOf(() => apply('~trainer.lr=0.2')).message).toMatch(/'trainer\.lr' is 0\.1, not 0\.2/);
    expect(errorOf(() => apply('~trainer.nope')).message).toMatch(/Cannot delete '~trainer\.nope'/);
  });

  it('later overrides see earlier ones', () => {
    expect(apply('+a=1', 'a=2').a).toBe(2);
  });

  it('applyOverride mutates the given config', () => {
    const c: Record<string, unknown> = { x: 1 };
    applyOverride(c, parseOverride('x=2'));
    expect(c.x).toBe(2);
  });
});
