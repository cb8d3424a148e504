import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ComponentContext } from './component';
import { buildFromConfig, createRunContainer, TOKENS } from './container';
import { ComponentBuilder } from './builder';
import { ConfigError } from './errors';
import { Logger, memorySink } from './logger';
import { createRegistries } from './registry';

class Tiny {
  static readonly type = 'tiny';
  static readonly optionsSchema = z.object({ numClasses: z.number().int(), width: z.number().default(4) }).strict();
  constructor(
    readonly options: { numClasses: number; width: number },
    readonly context: ComponentContext = {},
  ) {}
}

const registries = createRegistries((r) => r.models.register(Tiny, 'test'));

describe('run container', () => {
  it('registers the run singletons', () => {
    const logger = new Logger({ sinks: [memorySink()] });
    const config = { seed: 11, model: { _target_: 'tiny' } };
    const engine = { backend: 'cpu' };
    const c = createRunContainer({ config, registries, logger, runDir: '/runs/1', engine });
    expect(c.resolve(TOKENS.Config)).toBe(config);
    expect(c.resolve(TOKENS.Registries)).toBe(registries);
    expect(c.resolve(TOKENS.Logger)).toBe(logger);
    expect(c.resolve(TOKENS.RunDir)).toBe('/runs/1');
    expect(c.resolve(TOKENS.Engine)).toBe(engine);
    expect(c.resolve(TOKENS.Seed)).toBe(11);
    expect(c.resolve(TOKENS.Builder)).toBeInstanceOf(ComponentBuilder);
    expect(c.resolve(TOKENS.Builder)).toBe(c.resolve(TOKENS.Builder));
  });

  it('the seed argument wins over config.seed; optional services are absent', () => {
    const c = createRunContainer({ config: { seed: 11 }, registries, seed: 3, logger: new Logger({ sinks: [] }) });
    expect(c.resolve(TOKENS.Seed)).toBe(3);
    expect(c.isRegistered(TOKENS.RunDir)).toBe(false);
    expect(c.isRegistered(TOKENS.Engine)).toBe(false);
  });

  it('containers of different runs are independent', () => {
    const a = createRunContainer({ config: { seed: 1 }, registries, logger: new Logger({ sinks: [] }) });
    const b = createRunContainer({ config: { seed: 2 }, registries, logger: new Logger({ sinks: [] }) });
    expect(a.resolve(TOKENS.Seed)).toBe(1);
    expect(b.resolve(TOKENS.Seed)).toBe(2);
  });

  it('buildFromConfig builds the node at a dotted path with the run context and extra options', () => {
    const logger = new Logger({ sinks: [] });
    const config = { seed: 5, parts: { model: { _target_: 'tiny', width: 8 } } };
    const c = createRunContainer({ config, registries, logger, runDir: '/r' });
    const m = buildFromConfig<Tiny>(c, 'models', 'parts.model', { numClasses: 3 });
    expect(m).toBeInstanceOf(Tiny);
    expect(m.options).toEqual({ numClasses: 3, width: 8 });
    expect(m.context).toEqual({ logger, runDir: '/r', seed: 5 });
  });

  it('buildFromConfig on a missing node is a ConfigError naming the path', () => {
    const c = createRunContainer({ config: {}, registries, logger: new Logger({ sinks: [] }) });
    expect(() => buildFromConfig(c, 'models', 'model')).toThrow(ConfigError);
    expect(() => buildFromConfig(c, 'models', 'model')).toThrow("Expected a models node with '_target_' at 'model'");
  });
});
