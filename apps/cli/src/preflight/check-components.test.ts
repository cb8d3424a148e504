import { resolve } from 'node:path';
import { composeConfig } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { registerAll } from '../registry';
import { checkComponents } from './check-components';

const configDir = resolve(__dirname, '../../../../configs');
const registries = registerAll();
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
