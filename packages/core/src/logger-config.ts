import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { consoleSink, fileSink, LOG_LEVELS, Logger, type LogSink } from './logger';
import { validateOptions } from './validate-options';

/** The `logger:` config node (`configs/logger/default.yaml`). */
export const loggerConfigSchema = z
  .object({
    // `info` and `INFO` both work: users type levels either way
    level: z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(LOG_LEVELS)).default('INFO'),
    /** Log file, relative to the run dir (absolute paths are kept); null = console only. */
    file: z.string().min(1).nullable().default('train.log'),
  })
  .strict();

export type LoggerConfig = z.input<typeof loggerConfigSchema>;

/**
 * The run's logger from its `logger:` node: console plus `<runDir>/<file>` when there is a run
 * dir. Bad keys or levels are ConfigErrors at `logger.…`.
 */
export function loggerFromConfig(node: unknown, options: { runDir?: string; sinks?: LogSink[] } = {}): Logger {
  const config = validateOptions(loggerConfigSchema, node ?? {}, { component: 'logger', kind: 'logger', path: 'logger' });
  const sinks = [...(options.sinks ?? [consoleSink()])];
  if (config.file && (options.runDir !== undefined || isAbsolute(config.file))) {
    sinks.push(fileSink(isAbsolute(config.file) ? config.file : join(options.runDir!, config.file)));
  }
  return new Logger({ level: config.level, sinks });
}
