import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleSink, fileSink, formatRecord, Logger, memorySink, silentLogger } from './logger';

afterEach(() => vi.restoreAllMocks());

describe('Logger', () => {
  it('drops records below the level', () => {
    const sink = memorySink();
    const log = new Logger({ level: 'WARN', sinks: [sink] });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    log.critical('c');
    expect(sink.records.map((r) => `${r.level}:${r.message}`)).toEqual(['WARN:w', 'ERROR:e', 'CRITICAL:c']);
    expect(log.isEnabled('INFO')).toBe(false);
    log.setLevel('DEBUG');
    log.debug('now');
    expect(sink.records.at(-1)?.message).toBe('now');
  });

  it('defaults to INFO', () => {
    const sink = memorySink();
    const log = new Logger({ sinks: [sink] });
    log.debug('hidden');
    log.info('shown');
    expect(sink.records.map((r) => r.message)).toEqual(['shown']);
    expect(log.level).toBe('INFO');
  });

  it('child loggers nest scopes and share level and sinks', () => {
    const sink = memorySink();
    const root = new Logger({ sinks: [sink] });
    const data = root.child('data');
    const csv = data.child('csv');
    csv.info('kept 10 rows');
    root.setLevel('ERROR');
    data.warn('hidden by the shared level');
    expect(sink.records.map((r) => [r.scope, r.message])).toEqual([['data.csv', 'kept 10 rows']]);
    const late = memorySink();
    root.addSink(late);
    csv.error('boom');
    expect(late.records.map((r) => r.message)).toEqual(['boom']);
    root.removeSink(late);
    csv.error('again');
    expect(late.records).toHaveLength(1);
  });

  it('formats lines with UTC time, padded level and scope', () => {
    const line = formatRecord({ time: new Date(Date.UTC(2026, 10, 23, 22, 40, 1)), level: 'INFO', scope: 'data', message: 'kept 980 rows' });
    expect(line).toBe('2026-11-23 22:40:01 INFO  [data] kept 980 rows');
    expect(formatRecord({ time: new Date(0), level: 'WARN', scope: '', message: 'x' })).toBe('1970-01-01 00:00:00 WARN  x');
  });

  it('the file sink writes the same lines the console gets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-log-'));
    try {
      const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
      const file = join(dir, 'sub', 'train.log');
      const log = new Logger({ sinks: [consoleSink(), fileSink(file)] }).child('trainer');
      log.info('epoch 1');
      log.error('nan loss');
      const consoleText = [...out.mock.calls, ...err.mock.calls].map((c) => String(c[0])).join('');
      expect(readFileSync(file, 'utf8')).toBe(consoleText);
      expect(out.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/ INFO  \[trainer\] epoch 1\n$/)]);
      expect(err.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/ ERROR \[trainer\] nan loss\n$/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('silentLogger writes nothing', () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    silentLogger.critical('x');
    expect(out).not.toHaveBeenCalled();
    expect(err).not.toHaveBeenCalled();
  });
});
