import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ComponentBuilder, isComponentNode } from './builder';
import { componentKindOf, componentRef, type ComponentContext } from './component';
import { ConfigError } from './errors';
import { createRegistries } from './registry';
import { errorOf } from './__fixtures__/error-of';

class Encoder {
  static readonly type = 'encoder';
  static readonly optionsSchema = z.object({ depth: z.number().int().positive(), width: z.number().default(64) }).strict();
  constructor(readonly options: z.output<typeof Encoder.optionsSchema>) {}
}
class Net {
  static readonly type = 'net';
  static readonly optionsSchema = z
    .object({
      numClasses: z.number().int().positive(),
      encoder: componentRef<Encoder>('models'),
      head: z.object({ dropout: z.number().min(0).max(1).default(0.1), units: z.number() }).strict().optional(),
    })
    .strict();
  constructor(
    readonly options: z.output<typeof Net.optionsSchema>,
    readonly context: ComponentContext = {},
  ) {}
}
class Flip {
  static readonly type = 'flip';
  static readonly optionsSchema = z.object({ p: z.number().default(0.5) }).strict();
  constructor(readonly options: { p: number }) {}
}
class Compose {
  static readonly type = 'compose';
  static readonly optionsSchema = z.object({ transforms: z.array(componentRef<Flip>('transforms')) }).strict();
  constructor(readonly options: { transforms: Flip[] }) {}
}
class Shapes {
  static readonly type = 'shapes';
  // `augment` is not declared with componentRef: the builder finds the kind by name
  static readonly optionsSchema = z.object({ augment: z.unknown().optional() }).strict();
  constructor(readonly options: { augment?: unknown }) {}
}
class Twin {
  static readonly type = 'twin';
  constructor(readonly options: unknown) {}
}

const registries = createRegistries((r) => {
  r.models.register(Encoder, 'test');
  r.models.register(Net, 'test');
  r.transforms.register(Flip, 'test');
  r.transforms.register(Compose, 'test');
  r.datasets.register(Shapes, 'test');
  r.losses.register(Twin, 'test');
  r.metrics.register(Twin, 'test');
});
const builder = new ComponentBuilder(registries, { seed: 7 });


describe('ComponentBuilder', () => {
  it('builds nested _target_ options first, with defaults applied and the context passed', () => {
    const net = builder.build<Net>('models', { _target_: 'net', numClasses: 3, encoder: { _target_: 'encoder', depth: 2 } }, 'model');
    expect(net).toBeInstanceOf(Net);
    expect(net.options.encoder).toBeInstanceOf(Encoder);
    expect(net.options.encoder.options).toEqual({ depth: 2, width: 64 });
    expect(net.context.seed).toBe(7);
  });

  it('builds components inside lists', () => {
    const c = builder.build<Compose>('transforms', { _target_: 'compose', transforms: [{ _target_: 'flip' }, { _target_: 'flip', p: 1 }] }, 'augment');
    expect(c.options.transforms.map((t) => t instanceof Flip && t.options.p)).toEqual([0.5, 1]);
  });

  it('infers an undeclared nested kind when exactly one registry has the name', () => {
    const s = builder.build<Shapes>('datasets', { _target_: 'shapes', augment: [{ _target_: 'flip' }] }, 'data');
    expect((s.options.augment as unknown[])[0]).toBeInstanceOf(Flip);
  });

  it('extra options are added to the config node', () => {
    const net = builder.build<Net>('models', { _target_: 'net', encoder: { _target_: 'encoder', depth: 1 } }, 'model', { numClasses: 10 });
    expect(net.options.numClasses).toBe(10);
  });

  it('unknown key in a nested component: full path and suggestion', () => {
    const err = errorOf(() => builder.build('models', { _target_: 'net', numClasses: 3, encoder: { _target_: 'encoder', depht: 2 } }, 'model'));
    expect(err.details).toMatchObject({ path: 'model.encoder.depht', key: 'depht', component: 'encoder' });
    expect(err.details.suggestions?.[0]).toBe('depth');
    expect(err.message).toMatch(/Unknown key 'model\.encoder\.depht' for model 'encoder' — did you mean 'depth'\? Valid keys: depth, width\./);
  });

  it('unknown key inside a plain nested object option', () => {
    const err = errorOf(() =>
      builder.build('models', { _target_: 'net', numClasses: 3, encoder: { _target_: 'encoder', depth: 1 }, head: { units: 3, dropot: 0.2 } }, 'model'),
    );
    expect(err.details).toMatchObject({ path: 'model.head.dropot', suggestions: ['dropout'] });
  });

  it('wrong type names the path', () => {
    const err = errorOf(() => builder.build('models', { _target_: 'encoder', depth: 'deep' }, 'model.encoder'));
    expect(err.message).toMatch(/^Invalid value at 'model\.encoder\.depth' for model 'encoder': /);
    expect(err.details.path).toBe('model.encoder.depth');
  });

  it('missing required value', () => {
    const err = errorOf(() => builder.build('models', { _target_: 'encoder' }, 'model'));
    expect(err.message).toBe("Invalid value at 'model.depth' for model 'encoder': missing required value");
  });

  it('a node without _target_ or with a non-string one', () => {
    expect(errorOf(() => builder.build('models', { depth: 1 }, 'model')).message).toBe("Expected a models node with '_target_' at 'model'");
    expect(errorOf(() => builder.build('models', { _target_: 3 }, 'model')).message).toMatch(/'model\._target_' must be a registered name/);
  });

  it('unknown top-level target lists names', () => {
    expect(errorOf(() => builder.build('models', { _target_: 'nett' }, 'model')).message).toMatch(/Unknown models _target_ 'nett' at 'model\._target_'\. Did you mean 'net'\?/);
  });

  it('unknown and ambiguous undeclared nested targets', () => {
    expect(errorOf(() => builder.build('datasets', { _target_: 'shapes', augment: { _target_: 'nope' } }, 'data')).message).toBe(
      "Unknown _target_ 'nope' at 'data.augment._target_': no registry has it",
    );
    const err = errorOf(() => builder.build('datasets', { _target_: 'shapes', augment: { _target_: 'twin' } }, 'data'));
    expect(err.message).toBe("Ambiguous _target_ 'twin' at 'data.augment': registered as losses and metrics");
  });
});

describe('component helpers', () => {
  it('isComponentNode', () => {
    expect([{ _target_: 'x' }, {}, [], null, 'x'].map(isComponentNode)).toEqual([true, false, false, false, false]);
  });
  it('componentKindOf sees through optional/default/array wrappers', () => {
    expect(componentKindOf(componentRef('models'))).toBe('models');
    expect(componentKindOf(componentRef('models').optional())).toBe('models');
    expect(componentKindOf(z.array(componentRef('transforms')).default([]))).toBe('transforms');
    expect(componentKindOf(z.number())).toBeUndefined();
  });
});
