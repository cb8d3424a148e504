import { open, type FileHandle } from 'node:fs/promises';
import { DataError } from '@kiln/core';

/** One regular file of a tar archive. */
export interface TarEntry {
  name: string;
  data: Buffer;
}

const BLOCK = 512;
const READ_SIZE = 1 << 20;

/** A sequential reader over a file with one large buffer: whole-megabyte reads, never a seek back. */
class BlockReader {
  private buf = Buffer.alloc(0);
  private pos = 0; // file position of buf[0]
  private eof = false;

  constructor(private readonly fh: FileHandle) {}

  /** Exactly n bytes, or fewer at the end of the file. */
  async take(n: number): Promise<Buffer> {
    while (this.buf.length < n && !this.eof) {
      const chunk = Buffer.allocUnsafe(Math.max(READ_SIZE, n - this.buf.length));
      const { bytesRead } = await this.fh.read(chunk, 0, chunk.length, this.pos + this.buf.length);
      if (bytesRead === 0) this.eof = true;
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    }
    const out = this.buf.subarray(0, Math.min(n, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    this.pos += out.length;
    return out;
  }
}

function field(h: Buffer, start: number, len: number): string {
  const raw = h.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

function octal(h: Buffer, start: number, len: number, where: string): number {
  const text = field(h, start, len).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new DataError(`${where}: corrupt tar header (bad number '${text}')`);
  return parseInt(text, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === octal(h, 148, 8, 'tar');
}

/** pax extended header records (`<len> key=value\n`): only `path` and `size` matter here. */
function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number(data.toString('utf8', at, space));
    if (!(len > 0) || at + len > data.length) break;
    const rec = data.toString('utf8', space + 1, at + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    at += len;
  }
  return out;
}

/**
 * Streams the regular files of a ustar / pax / GNU tar archive in order (large sequential
 * reads, one entry in memory at a time). Directories and links are skipped; a corrupt or
 * truncated archive throws a `DataError` naming the file and offset.
 */
export async function* readTar(path: string): AsyncGenerator<TarEntry> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new DataError(`cannot open shard ${path}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const r = new BlockReader(fh);
    let offset = 0;
    let longName: string | undefined;
    let pax: Record<string, string> = {};
    for (;;) {
      const h = await r.take(BLOCK);
      if (h.length === 0) return; // no end marker: tolerated
      if (h.length < BLOCK) throw new DataError(`${path}: truncated tar header at byte ${offset}`);
      offset += BLOCK;
      if (h.every((b) => b === 0)) return;
      if (!checksumOk(h)) throw new DataError(`${path}: corrupt tar header at byte ${offset - BLOCK} (checksum)`);
      const size = pax.size !== undefined ? Number(pax.size) : octal(h, 124, 12, path);
      const type = String.fromCharCode(h[156] || 48);
      const data = await r.take(size);
      if (data.length < size) throw new DataError(`${path}: truncated tar entry at byte ${offset} (${data.length} of ${size} bytes)`);
      const pad = (BLOCK - (size % BLOCK)) % BLOCK;
      await r.take(pad);
      offset += size + pad;
      if (type === 'L') {
        longName = field(data, 0, data.length);
        continue;
      }
      if (type === 'x') {
        pax = parsePax(data);
        continue;
      }
      if (type === 'g') continue;
      const prefix = field(h, 345, 155);
      const name = pax.path ?? longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
      longName = undefined;
      pax = {};
      if (type === '0' || type === '7') yield { name, data: Buffer.from(data) };
    }
  } finally {
    await fh.close();
  }
}
