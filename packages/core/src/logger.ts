import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogRecord {
  time: Date;
  level: LogLevel;
  scope: string;
  message: string;
}

/** Receives formatted records; the console and the run's log file are sinks. */
export interface LogSink {
  write(record: LogRecord, line: string): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  scope?: string;
  sinks?: LogSink[];
}

/** Human-readable line: `2026-11-23 22:40:01 INFO  [data] kept 980 rows, dropped 2`. */
export function formatRecord(r: LogRecord): string {
  const t = r.time.toISOString().replace('T', ' ').slice(0, 19);
  const scope = r.scope ? ` [${r.scope}]` : '';
  return `${t} ${r.level.padEnd(5)}${scope} ${r.message}`;
}

/** One logger per run; `child(scope)` shares level and sinks. */
export class Logger {
  private readonly state: { level: LogLevel; sinks: LogSink[] };
  readonly scope: string;

  constructor(options: LoggerOptions = {}, shared?: { level: LogLevel; sinks: LogSink[] }) {
    this.state = shared ?? { level: options.level ?? 'INFO', sinks: options.sinks ?? [consoleSink()] };
    this.scope = options.scope ?? '';
  }

  child(scope: string): Logger {
    return new Logger({ scope: this.scope ? `${this.scope}.${scope}` : scope }, this.state);
  }
  get level(): LogLevel {
    return this.state.level;
  }
  setLevel(level: LogLevel): void {
    this.state.level = level;
  }
  addSink(sink: LogSink): void {
    this.state.sinks.push(sink);
  }
  removeSink(sink: LogSink): void {
    this.state.sinks = this.state.sinks.filter((s) => s !== sink);
  }
  isEnabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(this.state.level);
  }
  log(level: LogLevel, message: string): void {
    if (!this.isEnabled(level)) return;
    const record: LogRecord = { time: new Date(), level, scope: this.scope, message };
    const line = formatRecord(record);
    for (const sink of this.state.sinks) sink.write(record, line);
  }
  debug(message: string): void {
    this.log('DEBUG', message);
  }
  info(message: string): void {
    this.log('INFO', message);
  }
  warn(message: string): void {
    this.log('WARN', message);
  }
  error(message: string): void {
    this.log('ERROR', message);
  }
  critical(message: string): void {
    this.log('CRITICAL', message);
  }
}

/** WARN and above to stderr, the rest to stdout. */
export function consoleSink(): LogSink {
  return {
    write(record, line) {
      const stream = LOG_LEVELS.indexOf(record.level) >= 2 ? process.stderr : process.stdout;
      stream.write(line + '\n');
    },
  };
}

/** Appends every line to a file (the run's `train.log`); synchronous so a crash loses nothing. */
export function fileSink(path: string): LogSink {
  mkdirSync(dirname(path), { recursive: true });
  return { write: (_record, line) => appendFileSync(path, line + '\n') };
}

/** Collects records in memory (tests, and callers that want to inspect warnings). */
export function memorySink(): LogSink & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  return { records, write: (record) => void records.push(record) };
}

/** A logger that drops everything; the default for components built without one. */
export const silentLogger = new Logger({ sinks: [] });
