import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { composeConfig, loggerFromConfig } from '@kiln/core';
import { checkRunConfig } from '@kiln/trainer';
import { describe, expect, it } from 'vitest';
import { registerAll } from './registry';

const configDir = resolve(__dirname, '../../../configs');
const registries = registerAll();

/** The override that picks `option` of `group` (augmentation is chosen under data). */
function pick(group: string, option: string): string {
  return group === 'augmentation' ? `augmentation@data.augmentation=${option}` : `${group}=${option}`;
}

const groups = readdirSync(configDir).filter((g) => g !== 'schema' && statSync(join(configDir, g)).isDirectory());
const cases = groups.flatMap((g) =>
  readdirSync(join(configDir, g))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => [g, f.replace(/\.yaml$/, '')] as const),
);

// issue 13 bug 9: a shipped option (scheduler=none) did not build. Every option file composes and checks.
describe('every option file under configs/ composes and its components check', () => {
  it('finds the option files', () => {
    expect(cases.length).toBeGreaterThan(25);
  });

  it.each(cases)('%s=%s', (group, option) => {
    const { config } = composeConfig({ configDir, overrides: [pick(group, option)] });
    expect(() => checkRunConfig(config, registries)).not.toThrow();
    expect(() => loggerFromConfig(config.logger, {})).not.toThrow();
    if (group === 'scheduler' && option === 'none') expect(config.scheduler).toBeNull();
  });

  it('a broken node fails the check naming its path', () => {
    const { config } = composeConfig({ configDir, overrides: ['+callbacks.model_checkpoint.saveTopk=2'] });
    expect(() => checkRunConfig(config, registries)).toThrow(/callbacks\.model_checkpoint\.saveTopk.*did you mean 'saveTopK'/);
  });
});
