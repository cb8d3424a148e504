import { describe, expect, it } from 'vitest';
import { ConfigError } from '@kiln/core';
import { formatNumber, parseFilenamePattern, renderFilename } from './filename-pattern';

const values = { epoch: 7, step: 1400, monitor: 'val/accuracy', value: 0.912345, metrics: { 'val/loss': 0.25 } };

describe('filename pattern', () => {
  it('renders the default pattern with padding, decimals and a sanitized metric name', () => {
    const parts = parseFilenamePattern('epoch={epoch:03d}-{monitor}={value:.4f}');
    expect(renderFilename(parts, values)).toBe('epoch=007-val_accuracy=0.9123');
  });

  it('renders step, metric keys and exponent formats; missing metrics render nan and are reported', () => {
    const missing: string[] = [];
    const parts = parseFilenamePattern('s{step}_{val/loss:.2e}_{train/acc:.2f}');
    expect(renderFilename(parts, values, missing)).toBe('s1400_2.50e-1_nan');
    expect(missing).toEqual(['train/acc']);
  });

  it('formats numbers per spec', () => {
    expect(formatNumber(5, '03d')).toBe('005');
    expect(formatNumber(-5, '03d')).toBe('-05');
    expect(formatNumber(12345, '03d')).toBe('12345');
    expect(formatNumber(2.6, 'd')).toBe('3');
    expect(formatNumber(0.5, '.3f')).toBe('0.500');
    expect(formatNumber(NaN, '.3f')).toBe('nan');
    expect(formatNumber(0.1, undefined)).toBe('0.1');
  });

  it('rejects malformed patterns with a ConfigError naming the key', () => {
    for (const bad of ['epoch={epoch', 'x}', '{}', '{epoch:03x}']) {
      let err: unknown;
      try {
        parseFilenamePattern(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).details.key).toBe('filename');
      expect((err as Error).message).toContain(bad);
    }
  });
});
