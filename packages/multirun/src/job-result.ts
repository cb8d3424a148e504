import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** `interrupted`: stopped by Ctrl-C / SIGTERM (exit 130 or a signal), its last.ckpt resumable. */
export type JobStatus = 'ok' | 'failed' | 'interrupted';

/** One finished job as the summary lists it. */
export interface JobResult {
  index: number;
  dir: string;
  params: Record<string, string>;
  overrides: string[];
  status: JobStatus;
  exitCode: number;
  seconds: number;
  /** Name and direction of the monitored metric, and its best value (undefined when never logged). */
  monitor?: string;
  mode?: 'min' | 'max';
  best?: number;
  epochs?: number;
  /** First error line of a failed job. */
  error?: string;
}

function get(config: unknown, path: string[]): unknown {
  let node = config;
  for (const k of path) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined;
  return node;
}

/**
 * The monitored metric of a config and its direction. Looks where the trainer and the
 * checkpoint callback keep it (top-level `monitor` too, for a config that holds it once).
 */
export function monitorOf(config: Record<string, unknown>): { monitor?: string; mode?: 'min' | 'max' } {
  const places = [['monitor'], ['trainer', 'monitor'], ['callbacks', 'model_checkpoint', 'monitor']];
  const modes = [['monitorMode'], ['trainer', 'monitorMode'], ['callbacks', 'model_checkpoint', 'mode']];
  const monitor = places.map((p) => get(config, p)).find((v): v is string => typeof v === 'string');
  const mode = modes.map((p) => get(config, p)).find((v): v is 'min' | 'max' => v === 'min' || v === 'max');
  return { monitor, mode };
}

/** Lightning's default: a metric named like a loss is minimised, anything else maximised. */
export function defaultMode(monitor: string): 'min' | 'max' {
  return /loss|error|mse|mae/i.test(monitor) ? 'min' : 'max';
}

/** `done: best val/accuracy = 0.9132` — the line `kiln train` ends with. */
const DONE_LINE = /done: best (\S+) = (-?[\d.]+(?:e[-+]?\d+)?|NaN)/;
const EPOCH_LINE = /\bepoch (\d+) train:/g;

/** Parses `metrics.csv` (csv_logger): the number of epochs and the best value of `monitor`. */
function fromMetricsCsv(file: string, monitor: string, mode: 'min' | 'max'): { best?: number; epochs?: number } {
  if (!existsSync(file)) return {};
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const header = lines[0]?.split(',') ?? [];
  const col = header.indexOf(monitor);
  const epochCol = header.indexOf('epoch');
  const rows = lines.slice(1).map((l) => l.split(','));
  const epochs = epochCol < 0 ? undefined : new Set(rows.map((r) => r[epochCol])).size;
  if (col < 0) return { epochs };
  const values = rows.map((r) => Number(r[col])).filter(Number.isFinite);
  if (values.length === 0) return { epochs };
  return { best: mode === 'min' ? Math.min(...values) : Math.max(...values), epochs };
}

/** `<run>/result.json` — `{ monitor, mode, best, epochs }` — when the train command writes one. */
function fromResultJson(dir: string): Pick<JobResult, 'monitor' | 'mode' | 'best' | 'epochs'> | undefined {
  const file = join(dir, 'result.json');
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (typeof r.monitor !== 'string') return undefined;
    return {
      monitor: r.monitor,
      mode: r.mode === 'min' || r.mode === 'max' ? r.mode : defaultMode(r.monitor),
      best: typeof r.best === 'number' && Number.isFinite(r.best) ? r.best : undefined,
      epochs: typeof r.epochs === 'number' ? r.epochs : undefined,
    };
  } catch {
    return undefined; // a half-written file: fall back to the logs
  }
}

/**
 * Reads what a finished job reached: `result.json` if the run wrote one, else `metrics.csv`
 * when the csv logger ran (full precision), else the job's own output (its final `done:`
 * line and epoch log lines).
 */
export function readJobOutcome(dir: string, output: string, config: Record<string, unknown> | undefined): Pick<JobResult, 'monitor' | 'mode' | 'best' | 'epochs'> {
  const written = fromResultJson(dir);
  if (written) return written;
  const done = DONE_LINE.exec(output);
  const configured = config ? monitorOf(config) : {};
  const monitor = done?.[1] ?? configured.monitor;
  if (!monitor) return {};
  const mode = configured.mode ?? defaultMode(monitor);
  const csv = fromMetricsCsv(join(dir, 'metrics.csv'), monitor, mode);
  const epochLines = [...output.matchAll(EPOCH_LINE)].map((m) => Number(m[1]));
  const epochs = csv.epochs ?? (epochLines.length ? Math.max(...epochLines) + 1 : undefined);
  const best = csv.best ?? (done ? Number(done[2]) : undefined);
  return { monitor, mode, best: best !== undefined && Number.isFinite(best) ? best : undefined, epochs };
}

/** The last line that looks like an error (`kiln: …`), else the last non-empty line. */
export function errorLine(output: string): string | undefined {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const line = [...lines].reverse().find((l) => l.startsWith('kiln:') || /\bERROR\b/.test(l)) ?? lines[lines.length - 1];
  return line?.replace(/^kiln:\s*/, '');
}
