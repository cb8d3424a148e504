import { resolve } from 'node:path';
import { composeConfig, createRegistries } from '@kiln/core';
import { register as registerAugmentation } from '@kiln/augmentation';
import { register as registerCallbacks } from '@kiln/callbacks';
import { register as registerData } from '@kiln/data';
import { register as registerExport } from '@kiln/export';
import { register as registerLosses } from '@kiln/losses';
import { register as registerMetrics } from '@kiln/metrics';
import { register as registerModels } from '@kiln/models';
import { register as registerProcessors } from '@kiln/processors';
import { register as registerTrainer } from '@kiln/trainer';
import { describe, expect, it } from 'vitest';
import { checkComponents } from './check-components';

const configDir = resolve(__dirname, '../../../configs');
// every built-in, as the CLI registers them
const registries = createRegistries(registerData, registerProcessors, registerAugmentation, registerModels, registerLosses, registerMetrics, registerTrainer, registerCallbacks, registerExport);
const compose = (overrides: string[]) => composeConfig({ configDir, overrides }).config;

describe('checkComponents', () => {
  it('passes the default config and names every component with its _target_', () => {
    const { problems, components } = checkComponents(compose([]), registries);
    expect(problems).toEqual([]);
    expect(components.map((c) => `${c.path}=${c.target}`)).toEqual(
      expect.arrayContaining(['data=shapes', 'model=simple_cnn', 'optimizer=adam', 'trainer=trainer', 'callbacks.model_checkpoint=model_checkpoint']),
    );
  });

  it('collects every bad node instead of stopping at the first', () => {
    const config = compose(['model._target_=resnt', 'loss._target_=cross_entropi', '+trainer.maxEpoch=2', 'optimizer.lr=-1']);
    const { problems } = checkComponents(config, registries);
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/resnt[\s\S]*cross_entropi[\s\S]*optimizer\.lr[\s\S]*maxEpoch/);
  });

  it('a disabled callback (null) is skipped; a callbacks list instead of a mapping is a problem', () => {
    expect(checkComponents(compose(['callbacks.tensorboard=null']), registries).problems).toEqual([]);
    expect(checkComponents({ ...compose([]), callbacks: [1] }, registries).problems).toEqual(["'callbacks' must be a mapping"]);
  });
});
