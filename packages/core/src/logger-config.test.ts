import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import { memorySink } from './logger';
import { loggerFromConfig } from './logger-config';

describe('loggerFromConfig', () => {
  it('uses the level and writes the file inside the run dir', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-logcfg-'));
    try {
      const sink = memorySink();
      const log = loggerFromConfig({ level: 'warn', file: 'logs/train.log' }, { runDir: dir, sinks: [sink] });
      log.info('hidden');
      log.warn('shown');
      expect(log.level).toBe('WARN');
      expect(sink.records.map((r) => r.message)).toEqual(['shown']);
      expect(readFileSync(join(dir, 'logs/train.log'), 'utf8')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d WARN  shown\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('defaults to INFO and no file without a run dir', () => {
    const sink = memorySink();
    const log = loggerFromConfig(undefined, { sinks: [sink] });
    expect(log.level).toBe('INFO');
    log.info('x');
    expect(sink.records).toHaveLength(1);
  });

  it('bad level or key is a ConfigError at logger.*', () => {
    expect(() => loggerFromConfig({ level: 'LOUD' })).toThrow(ConfigError);
    expect(() => loggerFromConfig({ level: 'LOUD' })).toThrow(/Invalid value at 'logger\.level'/);
    expect(() => loggerFromConfig({ levle: 'INFO' })).toThrow(/Unknown key 'logger\.levle' .*did you mean 'level'/);
  });
});
