import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, RegistryError } from './errors';
import { createRegistries, Registries, Registry } from './registry';

class Adam {
  static readonly type = 'adam';
  constructor(readonly options: unknown) {}
}
class AdamW {
  static readonly type = 'adamw';
  constructor(readonly options: unknown) {}
}
class Sgd {
  static readonly type = 'sgd';
  static readonly optionsSchema = z.object({ lr: z.number() }).strict();
  constructor(readonly options: unknown) {}
}

describe('Registry', () => {
  it('registers and looks up by type, remembering the owner', () => {
    const r = new Registry('optimizers');
    r.register(Adam, '@kiln/optim');
    r.register(Sgd, '@kiln/optim');
    expect(r.get('adam')).toBe(Adam);
    expect(r.has('sgd')).toBe(true);
    expect(r.has('rmsprop')).toBe(false);
    expect(r.owner('adam')).toBe('@kiln/optim');
    expect(r.names()).toEqual(['adam', 'sgd']);
    expect(r.classes()).toEqual([Adam, Sgd]);
  });

  it('a duplicate name throws naming the first owner and the second', () => {
    const r = new Registry('optimizers');
    r.register(Adam, '@kiln/optim');
    class Adam2 {
      static readonly type = 'adam';
    }
    expect(() => r.register(Adam2, 'my-plugin')).toThrow(RegistryError);
    expect(() => r.register(Adam2, 'my-plugin')).toThrow("optimizers 'adam' is already registered by @kiln/optim; my-plugin cannot register it again");
    expect(r.get('adam')).toBe(Adam);
  });

  it.each([['Adam'], ['two words'], ['1adam'], [''], [undefined]])('rejects type name %j', (name) => {
    class Bad {
      static readonly type = name as string;
    }
    expect(() => new Registry('optimizers').register(Bad, 'x')).toThrow(/needs a static readonly 'type' in snake_case/);
  });

  it('an unknown name lists the registered names closest first, with a hint and the path', () => {
    const r = new Registry('optimizers');
    for (const c of [Sgd, Adam, AdamW]) r.register(c, 'x');
    let err: ConfigError | undefined;
    try {
      r.get('adamm', 'optimizer');
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message).toBe("Unknown optimizers _target_ 'adamm' at 'optimizer._target_'. Did you mean 'adam'? Registered optimizers: adam, adamw, sgd");
    expect(err!.details).toMatchObject({ path: 'optimizer._target_', key: '_target_', suggestions: ['adam', 'adamw', 'sgd'] });
  });

  it('an empty registry says nothing is registered', () => {
    expect(() => new Registry('losses').get('ce')).toThrow(/none registered/);
  });
});

describe('Registries', () => {
  it('has one registry per kind and finds kinds by name', () => {
    const regs = createRegistries(
      (r) => r.optimizers.register(Adam, 'a'),
      (r) => r.schedulers.register(Adam, 'b'),
    );
    expect(regs).toBeInstanceOf(Registries);
    expect(regs.of('optimizers')).toBe(regs.optimizers);
    expect(regs.kindsWith('adam')).toEqual(['optimizers', 'schedulers']);
    expect(regs.kindsWith('nope')).toEqual([]);
    expect(regs.models.names()).toEqual([]);
  });
});
