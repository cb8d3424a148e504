import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';

const BLOCK = 512;

function header(name: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100 || Buffer.byteLength(name.slice(0, cut)) > 155) {
      throw new RangeError(`tar entry name too long for ustar: ${name}`);
    }
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write(Math.floor(mtime).toString(8).padStart(11, '0') + '\0', 136);
  h.write('        ', 148);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i];
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/**
 * Writes a ustar archive to a temp file and renames it into place on `close()`, so a reader
 * never sees a half-written shard. Entries get a fixed mtime: packing is reproducible.
 */
export class TarWriter {
  private readonly tmp: string;
  private fh?: FileHandle;
  private pos = 0;
  bytes = 0;

  constructor(
    readonly path: string,
    private readonly mtime = 0,
  ) {
    this.tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  }

  async add(name: string, data: Uint8Array): Promise<void> {
    this.fh ??= await open(this.tmp, 'w');
    const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
    await this.write(header(name, data.length, this.mtime));
    await this.write(data);
    if (pad) await this.write(Buffer.alloc(pad));
    this.bytes = this.pos;
  }

  async close(): Promise<void> {
    this.fh ??= await open(this.tmp, 'w');
    await this.write(Buffer.alloc(2 * BLOCK));
    await this.fh.sync();
    await this.fh.close();
    await rename(this.tmp, this.path);
  }

  async abort(): Promise<void> {
    await this.fh?.close().catch(() => undefined);
    await rm(this.tmp, { force: true });
  }

  private async write(data: Uint8Array): Promise<void> {
    await this.fh!.write(data, 0, data.length, this.pos);
    this.pos += data.length;
  }
}
