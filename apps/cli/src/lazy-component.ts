import type { ComponentClass, ComponentContext } from '@kiln/core';

/**
 * A stand-in registered under `type` for a component class whose module is costly to load and
 * seldom used (callbacks.export pulls the export code, the whole @tensorflow/tfjs umbrella and
 * protobuf: ~0.1 s of every `kiln train` start, issue 21). The module loads on the first read of
 * the class's options schema, description or inject spec, or on the first `new`, which then returns an
 * instance of the real class — so configs that never name it never load it.
 */
export function lazyComponent<T>(type: string, load: () => ComponentClass<T>): ComponentClass<T> {
  let real: ComponentClass<T> | undefined;
  const get = (): ComponentClass<T> => {
    real ??= load();
    if (real.type !== type) throw new Error(`lazy component '${type}' loaded a class of type '${real.type}'`);
    return real;
  };
  class Lazy {
    static readonly type = type;
    static get optionsSchema() { return get().optionsSchema; }
    static get description() { return get().description; }
    static get inject() { return get().inject; }
    constructor(options: unknown, context?: ComponentContext) {
      // A constructor may return another object: `new` then yields the real class's instance.
      return new (get())(options, context) as unknown as Lazy;
    }
  }
  return Lazy as unknown as ComponentClass<T>;
}
