import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ComponentContext } from './component';
import { createRunContainer, RunContainer } from './container';
import { ConfigError } from './errors';
import { TOKENS, token } from './injection';
import { Logger, memorySink } from './logger';
import { createRegistries } from './registry';
import { globalRandom, restoreMathRandom } from './rng';

class Tiny {
  static readonly type = 'tiny';
  static readonly optionsSchema = z.object({ numClasses: z.number().int(), width: z.number().default(4) }).strict();
  constructor(
    readonly options: { numClasses: number; width: number },
    readonly context: ComponentContext = {},
  ) {}
}

const Greeting = token<string>('test.greeting');

/** Asks for two services by token, one of them a custom one. */
class Picky {
  static readonly type = 'picky';
  static readonly inject = { log: TOKENS.logger, greeting: Greeting };
  constructor(
    readonly options: Record<string, never>,
    readonly context: ComponentContext = {},
  ) {}
}

const registries = createRegistries((r) => {
  r.models.register(Tiny, 'test');
  r.models.register(Picky, 'test');
});
const quiet = () => new Logger({ sinks: [] });

describe('run container', () => {
  it('holds the run singletons', () => {
    const logger = new Logger({ sinks: [memorySink()] });
    const config = { seed: 11, model: { _target_: 'tiny' } };
    const engine = { backend: 'cpu' };
    const communicator = { rank: 0, worldSize: 2 };
    const c = createRunContainer({ config, registries, logger, runDir: '/runs/1', engine, communicator });
    expect(c).toBeInstanceOf(RunContainer);
    expect(c.get(TOKENS.config)).toBe(config);
    expect(c.get(TOKENS.registries)).toBe(registries);
    expect(c.get(TOKENS.logger)).toBe(logger);
    expect(c.get(TOKENS.runDir)).toBe('/runs/1');
    expect(c.get(TOKENS.engine)).toBe(engine);
    expect(c.get(TOKENS.communicator)).toBe(communicator);
    expect(c.get(TOKENS.seed)).toBe(11);
    expect(c.get(TOKENS.rng)).toBe(c.get(TOKENS.rng));
    restoreMathRandom();
  });

  it('seeds once at creation: the run rng is the global seeded stream', () => {
    const a = createRunContainer({ config: { seed: 7 }, registries, logger: quiet() });
    const first = a.get(TOKENS.rng).next();
    expect(a.get(TOKENS.rng)).toBe(globalRandom());
    createRunContainer({ config: { seed: 7 }, registries, logger: quiet() });
    expect(globalRandom().next()).toBe(first);
    restoreMathRandom();
  });

  it('the seed argument wins over config.seed; optional services are absent', () => {
    const c = createRunContainer({ config: { seed: 11 }, registries, seed: 3, logger: quiet() });
    expect(c.get(TOKENS.seed)).toBe(3);
    expect(c.has(TOKENS.runDir)).toBe(false);
    expect(c.find(TOKENS.engine)).toBeUndefined();
    expect(() => c.get(TOKENS.runDir)).toThrow("the run has no 'runDir' service");
    restoreMathRandom();
  });

  it('containers of different runs are independent: a registration does not outlive its run', () => {
    const a = createRunContainer({ config: { seed: 1 }, registries, logger: quiet() });
    a.register(Greeting, 'hello');
    const b = createRunContainer({ config: { seed: 2 }, registries, logger: quiet() });
    expect(a.get(TOKENS.seed)).toBe(1);
    expect(b.get(TOKENS.seed)).toBe(2);
    expect(a.get(Greeting)).toBe('hello');
    expect(b.has(Greeting)).toBe(false);
    a.dispose();
    expect(a.has(Greeting)).toBe(false);
    restoreMathRandom();
  });

  it('buildAt builds the node at a dotted path, injecting the run services', () => {
    const logger = quiet();
    const config = { seed: 5, parts: { model: { _target_: 'tiny', width: 8 } } };
    const c = createRunContainer({ config, registries, logger, runDir: '/r' });
    const m = c.buildAt<Tiny>('models', 'parts.model', { numClasses: 3 });
    expect(m).toBeInstanceOf(Tiny);
    expect(m.options).toEqual({ numClasses: 3, width: 8 });
    expect(m.context.logger).toBe(logger);
    expect(m.context.runDir).toBe('/r');
    expect(m.context.seed).toBe(5);
    expect(m.context.rng).toBe(c.get(TOKENS.rng));
    expect(m.context.config).toBe(config);
    restoreMathRandom();
  });

  it('a class with static inject receives exactly the tokens it names, custom ones included', () => {
    const logger = quiet();
    const c = createRunContainer({ config: {}, registries, logger, runDir: '/r' });
    c.register(Greeting, 'hi');
    const p = c.build<Picky>('models', { _target_: 'picky' }, 'model');
    expect(p.context).toEqual({ log: logger, greeting: 'hi' });
    restoreMathRandom();
  });

  it('buildAt on a missing node is a ConfigError naming the path', () => {
    const c = createRunContainer({ config: {}, registries, logger: quiet() });
    expect(() => c.buildAt('models', 'model')).toThrow(ConfigError);
    expect(() => c.buildAt('models', 'model')).toThrow("Expected a models node with '_target_' at 'model'");
    restoreMathRandom();
  });
});
