import { describe, expect, it } from 'vitest';
import { createRegistries, z, type ComponentContext } from '@kiln/core';
import { lazyComponent } from './lazy-component';

class Real {
  static readonly type = 'real_thing';
  static readonly description = 'the real one';
  static readonly optionsSchema = z.object({ n: z.number().default(1) }).strict();
  constructor(readonly options: { n?: number }, readonly context?: ComponentContext) {}
}

describe('lazyComponent', () => {
  it('registers without loading, loads once on first use, and builds the real class', () => {
    let loads = 0;
    const Lazy = lazyComponent('real_thing', () => (loads++, Real));
    const registries = createRegistries((r) => r.callbacks.register(Lazy, 'test'));
    expect(registries.callbacks.names()).toEqual(['real_thing']);
    expect(loads).toBe(0);
    expect(registries.callbacks.get('real_thing').description).toBe('the real one');
    expect(loads).toBe(1);
    expect(Lazy.optionsSchema).toBe(Real.optionsSchema);
    const made = new Lazy({ n: 3 }, { runDir: '/x' }) as Real;
    expect(made).toBeInstanceOf(Real);
    expect(made.options).toEqual({ n: 3 });
    expect(made.context?.runDir).toBe('/x');
    expect(loads).toBe(1);
  });

  it('refuses a loaded class of another type', () => {
    const Lazy = lazyComponent('other_thing', () => Real);
    expect(() => Lazy.optionsSchema).toThrow(/lazy component 'other_thing' loaded a class of type 'real_thing'/);
  });
});
