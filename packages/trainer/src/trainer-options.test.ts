import { ConfigError } from '@kiln/core';
import { describe, expect, it } from 'vitest';
import { trainerDevices } from './trainer-options';

describe('trainerDevices: the one typed route from trainer.devices to the engine', () => {
  it('a list is GPU ids, a number a CPU worker count, null/absent the default', () => {
    expect(trainerDevices({ devices: [1, 2] })).toEqual({ gpus: [1, 2] });
    expect(trainerDevices({ devices: 3 })).toEqual({ workers: 3 });
    expect(trainerDevices({ devices: null })).toEqual({});
    expect(trainerDevices(undefined)).toEqual({});
  });

  it('anything else is a ConfigError naming trainer.devices', () => {
    for (const bad of ['1,2', 0, [-1], [1.5]]) {
      expect(() => trainerDevices({ devices: bad })).toThrow(ConfigError);
      expect(() => trainerDevices({ devices: bad })).toThrow(/trainer\.devices/);
    }
  });
});
