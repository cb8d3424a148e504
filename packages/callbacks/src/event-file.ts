import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ProtoWriter } from './protobuf';
import { frameRecord } from './tfrecord';

export interface Scalar {
  tag: string;
  value: number;
}

export interface EventFields {
  /** Seconds since the epoch (fractional). */
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars?: readonly Scalar[];
  /** Writes `session_log { status: START }`: TensorBoard then drops older events at or after `step`. */
  sessionStart?: boolean;
}

export const EVENT_FILE_VERSION = 'brain.Event:2';
const SESSION_START = 1;

/**
 * `tensorflow.Event`: wall_time (1, double), step (2, int64), file_version (3, string),
 * summary (5) = `Summary { repeated Value value = 1 }`, `Value { tag = 1; simple_value = 2 (float) }`,
 * session_log (6) = `SessionLog { status = 1 }` with START = 1.
 */
export function encodeEvent(event: EventFields): Uint8Array {
  const w = new ProtoWriter().double(1, event.wallTime).int64(2, Math.trunc(event.step));
  if (event.fileVersion !== undefined) w.string(3, event.fileVersion);
  if (event.scalars?.length) {
    const summary = new ProtoWriter();
    for (const s of event.scalars) summary.message(1, new ProtoWriter().string(1, s.tag).float(2, s.value));
    w.message(5, summary);
  }
  if (event.sessionStart) w.message(6, new ProtoWriter().int64(1, SESSION_START));
  return w.finish();
}

export interface EventFileWriterOptions {
  /** Milliseconds clock (tests pin it). */
  now?: () => number;
  hostname?: string;
}

/**
 * Appends TensorBoard events to `<dir>/events.out.tfevents.<secs>.<hostname>`. Each event is written
 * with one `write` call as soon as it is added, so a crash loses at most the event being written
 * (TensorBoard ignores a truncated last record).
 */
export class EventFileWriter {
  readonly path: string;
  private fd: number | undefined;
  private readonly now: () => number;

  constructor(dir: string, options: EventFileWriterOptions = {}) {
    this.now = options.now ?? Date.now;
    mkdirSync(dir, { recursive: true });
    const host = (options.hostname ?? hostname()).replace(/[/\\]/g, '_');
    const base = join(dir, `events.out.tfevents.${Math.floor(this.now() / 1000)}.${host}`);
    let path = base;
    for (let n = 1; existsSync(path); n++) path = `${base}.${n}`; // two writers in one second
    this.path = path;
    this.fd = openSync(path, 'a');
    this.write({ wallTime: this.now() / 1000, step: 0, fileVersion: EVENT_FILE_VERSION });
  }

  addScalars(step: number, scalars: readonly Scalar[]): void {
    if (scalars.length) this.write({ wallTime: this.now() / 1000, step, scalars });
  }

  /**
   * Marks a (re)start at `step`. After a resume TensorBoard then purges the previous run's events at
   * steps >= `step` (work that is being redone), so curves do not overlap.
   */
  addSessionStart(step: number): void {
    this.write({ wallTime: this.now() / 1000, step, sessionStart: true });
  }

  private write(event: EventFields): void {
    if (this.fd === undefined) throw new Error(`event file ${this.path} is closed`);
    const record = frameRecord(encodeEvent(event));
    let off = 0;
    while (off < record.length) off += writeSync(this.fd, record, off, record.length - off);
  }

  flush(): void {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }
}
