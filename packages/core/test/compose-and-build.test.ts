import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  componentRef,
  composeConfig,
  ConfigError,
  createRegistries,
  createRunContainer,
  createRunDir,
  Logger,
  loadRunConfig,
  writeRunFiles,
  z,
} from '../src/index';

// End to end through the public barrel: compose → run dir → re-load → build with the container.
const configDir = join(__dirname, '..', 'src', 'config', '__fixtures__', 'basic');

class Image {
  static readonly type = 'image';
  static readonly optionsSchema = z.object({ size: z.array(z.number()).length(2), channels: z.number() }).strict();
  constructor(readonly options: { size: number[]; channels: number }) {}
}
class Shapes {
  static readonly type = 'shapes';
  static readonly optionsSchema = z.object({ numSamples: z.number(), batchSize: z.number(), processor: componentRef<Image>('processors') }).strict();
  constructor(readonly options: { numSamples: number; batchSize: number; processor: Image }) {}
}
const registries = createRegistries((r) => {
  r.processors.register(Image, 'test');
  r.datasets.register(Shapes, 'test');
});

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('compose → run dir → build', () => {
  it('builds the same component from the composed and the re-loaded config', () => {
    root = mkdtempSync(join(tmpdir(), 'kiln-e2e-'));
    const composed = composeConfig({ configDir, overrides: ['data.processor.size=[28,28]', 'data.batchSize=4'] });
    const runDir = createRunDir({ root });
    writeRunFiles(runDir, composed);
    const reloaded = loadRunConfig(runDir);
    for (const config of [composed.config, reloaded.config]) {
      const c = createRunContainer({ config, registries, runDir, logger: new Logger({ sinks: [] }) });
      const data = c.buildAt<Shapes>('datasets', 'data');
      expect(data.options.batchSize).toBe(4);
      expect(data.options.processor).toBeInstanceOf(Image);
      expect(data.options.processor.options.size).toEqual([28, 28]);
    }
  });

  it('a typo in a config value surfaces as a ConfigError with the config path', () => {
    const { config } = composeConfig({ configDir, overrides: ['+data.processor.chanels=1'] });
    const c = createRunContainer({ config, registries, logger: new Logger({ sinks: [] }) });
    expect(() => c.buildAt('datasets', 'data')).toThrow(ConfigError);
    expect(() => c.buildAt('datasets', 'data')).toThrow(/Unknown key 'data\.processor\.chanels' .*did you mean 'channels'/);
  });
});
