import { inflateRawSync } from 'node:zlib';
import { WeightsFormatError } from './errors';

export interface ZipEntry {
  name: string;
  /** 0 = stored (what torch.save writes), 8 = deflate. */
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

/** A zip archive's central directory, every offset checked against the file; entries are read on demand. */
export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly source: string,
  ) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // The end-of-central-directory record is in the last 22 + 65535 (comment) bytes.
    let eocd = -1;
    for (let i = bytes.byteLength - 22; i >= Math.max(0, bytes.byteLength - 22 - 0xffff); i--) {
      if (view.getUint32(i, true) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new WeightsFormatError(`${source}: no zip end-of-central-directory record (truncated or not a zip file)`);
    const count = view.getUint16(eocd + 10, true);
    const cdSize = view.getUint32(eocd + 12, true);
    const cdOffset = view.getUint32(eocd + 16, true);
    if (count === 0xffff || cdOffset === 0xffffffff) throw new WeightsFormatError(`${source}: zip64 archives (over 4 GB or 65535 entries) are not supported`);
    if (cdOffset + cdSize > eocd) throw new WeightsFormatError(`${source}: the zip central directory lies outside the file (truncated?)`);
    let p = cdOffset;
    for (let i = 0; i < count; i++) {
      if (p + 46 > eocd || view.getUint32(p, true) !== 0x02014b50) throw new WeightsFormatError(`${source}: zip central directory entry ${i} is corrupt`);
      const method = view.getUint16(p + 10, true);
      const compressedSize = view.getUint32(p + 20, true);
      const size = view.getUint32(p + 24, true);
      const nameLen = view.getUint16(p + 28, true);
      const extraLen = view.getUint16(p + 30, true);
      const commentLen = view.getUint16(p + 32, true);
      const localHeaderOffset = view.getUint32(p + 42, true);
      const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
      if (compressedSize === 0xffffffff || size === 0xffffffff || localHeaderOffset === 0xffffffff) {
        throw new WeightsFormatError(`${source}: zip entry '${name}' uses zip64 sizes, which are not supported`);
      }
      this.entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  /** The entry's bytes (a view for stored entries). */
  read(name: string): Uint8Array {
    const e = this.entries.get(name);
    if (!e) throw new WeightsFormatError(`${this.source}: the archive has no '${name}'`);
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    const h = e.localHeaderOffset;
    if (h + 30 > this.bytes.byteLength || view.getUint32(h, true) !== 0x04034b50) throw new WeightsFormatError(`${this.source}: zip entry '${name}' has no valid local header`);
    const start = h + 30 + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
    if (start + e.compressedSize > this.bytes.byteLength) throw new WeightsFormatError(`${this.source}: zip entry '${name}' runs past the end of the file (truncated?)`);
    const raw = this.bytes.subarray(start, start + e.compressedSize);
    if (e.method === 0) return raw;
    if (e.method === 8) {
      const out = new Uint8Array(inflateRawSync(raw));
      if (out.byteLength !== e.size) throw new WeightsFormatError(`${this.source}: zip entry '${name}' inflates to ${out.byteLength} bytes, expected ${e.size}`);
      return out;
    }
    throw new WeightsFormatError(`${this.source}: zip entry '${name}' uses compression method ${e.method} (only stored and deflate are read)`);
  }
}

export const isZip = (bytes: Uint8Array): boolean => bytes.byteLength >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
