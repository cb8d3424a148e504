import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readSync, unlinkSync, writeSync, ftruncateSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DataError, silentLogger, type Logger } from '@kiln/core';
import type { RowIndex } from '../index/row-index';

const MAGIC = 'KILNDC1\n';
const HEADER = 4096;
const VERSION = 1;

/** `$KILN_CACHE_DIR/data` (default `~/.cache/kiln/data`). */
export function defaultDiskCacheDir(): string {
  return join(process.env.KILN_CACHE_DIR ?? join(homedir(), '.cache', 'kiln'), 'data');
}

/**
 * The cache key: processor config, image root and every entry's path cell, size and mtime.
 * A changed image (size or mtime), another CSV or another processor gives another file.
 */
export function diskCacheKey(index: RowIndex, processorConfig: unknown): string {
  const h = createHash('sha256');
  h.update(`${VERSION}\0${JSON.stringify(processorConfig)}\0${index.root}\0${index.size}\0`);
  h.update(index.cells.bytes);
  h.update(Buffer.from(index.cells.offsets.buffer, index.cells.offsets.byteOffset, index.cells.offsets.byteLength));
  h.update(Buffer.from(index.sizes.buffer, index.sizes.byteOffset, index.sizes.byteLength));
  h.update(Buffer.from(index.mtimes.buffer, index.mtimes.byteOffset, index.mtimes.byteLength));
  return h.digest('hex').slice(0, 32);
}

/**
 * Decoded, processed uint8 images in one file per (CSV entries, processor):
 * `[4 KiB header][1 status byte per entry, padded][entry i at data + i·bytesPerImage]`.
 * The file is created complete-but-empty under a temp name and linked into place (atomic:
 * a reader never sees a half-made header); entries are then filled as batches first load
 * them, data before its status byte, so a crash leaves at most an entry that is decoded again.
 * Runs and ranks with the same key share the file; two writers of an entry write the same bytes.
 */
export class DiskCache {
  private readonly statusBase = HEADER;
  private readonly dataBase: number;
  private readonly status: Uint8Array;
  private handle?: Promise<FileHandle>;
  private hits = 0;
  /** Set after a failed write (disk full, read-only): the cache is then only read, never written. */
  private writeError?: Error;
  logger: Logger = silentLogger;

  private constructor(
    readonly path: string,
    readonly count: number,
    readonly bytesPerImage: number,
    status: Uint8Array,
  ) {
    this.status = status;
    this.dataBase = HEADER + Math.ceil(count / HEADER) * HEADER;
  }

  static open(dir: string, key: string, count: number, bytesPerImage: number): DiskCache {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${key}.kdc`);
    if (!existsSync(path)) DiskCache.create(path, key, count, bytesPerImage);
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(HEADER);
      readSync(fd, head, 0, HEADER, 0);
      const meta = parseHeader(head, path);
      if (meta.key !== key || meta.count !== count || meta.bytesPerImage !== bytesPerImage) {
        throw new DataError(`${path}: cache header does not match (delete the file to rebuild it)`);
      }
      const status = new Uint8Array(count);
      readFully(fd, status, HEADER);
      return new DiskCache(path, count, bytesPerImage, status);
    } finally {
      closeSync(fd);
    }
  }

  private static create(path: string, key: string, count: number, bytesPerImage: number): void {
    const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    const fd = openSync(tmp, 'w');
    try {
      const head = Buffer.alloc(HEADER);
      head.write(MAGIC + JSON.stringify({ version: VERSION, key, count, bytesPerImage }) + '\n');
      writeSync(fd, head, 0, HEADER, 0);
      // Sparse: only the entries actually written take disk space.
      ftruncateSync(fd, HEADER + Math.ceil(count / HEADER) * HEADER + count * bytesPerImage);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, path); // fails if another process got there first: then use theirs
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(tmp);
    }
  }

  /** Entries read back from the file so far (this process). */
  get hitCount(): number {
    return this.hits;
  }

  get filled(): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) n += this.status[i];
    return n;
  }

  has(i: number): boolean {
    return this.status[i] === 1;
  }

  async read(i: number): Promise<Uint8Array> {
    const fh = await this.fh();
    const out = new Uint8Array(this.bytesPerImage);
    const { bytesRead } = await fh.read(out, 0, out.length, this.dataBase + i * this.bytesPerImage);
    if (bytesRead !== out.length) throw new DataError(`${this.path}: short read at entry ${i} (truncated cache file?)`);
    this.hits++;
    return out;
  }

  /** Stores entry i; a failing disk (full, read-only) turns writing off with one WARN instead of failing training. */
  async write(i: number, data: Uint8Array): Promise<void> {
    if (data.length !== this.bytesPerImage) throw new RangeError(`disk cache entry is ${data.length} bytes, expected ${this.bytesPerImage}`);
    if (this.writeError) return;
    try {
      const fh = await this.fh();
      await fh.write(data, 0, data.length, this.dataBase + i * this.bytesPerImage);
      await fh.write(Uint8Array.of(1), 0, 1, this.statusBase + i);
      this.status[i] = 1;
    } catch (err) {
      if (this.writeError) return;
      this.writeError = err as Error;
      this.logger.warn(`disk cache ${this.path}: cannot write (${(err as Error).message}); images are decoded without caching from now on`);
    }
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close();
  }

  private fh(): Promise<FileHandle> {
    this.handle ??= open(this.path, 'r+');
    return this.handle;
  }
}

function parseHeader(head: Buffer, path: string): { key: string; count: number; bytesPerImage: number } {
  const text = head.toString('utf8');
  const end = text.indexOf('\n', MAGIC.length);
  if (!text.startsWith(MAGIC) || end < 0) throw new DataError(`${path} is not a Kiln data cache file (delete it)`);
  try {
    return JSON.parse(text.slice(MAGIC.length, end)) as never;
  } catch {
    throw new DataError(`${path}: corrupt cache header (delete the file to rebuild it)`);
  }
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, Math.min(into.length - done, 1 << 24), position + done);
    if (n === 0) break;
    done += n;
  }
}
