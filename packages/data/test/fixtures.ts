import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

export function tempDir(prefix = 'kiln-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function write(path: string, data: string | Buffer): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  return path;
}

/** A solid-colour PNG whose pixel value encodes `value` (so tests can tell images apart). */
export async function solidPng(value: number, size = 4, channels: 1 | 3 | 4 = 3): Promise<Buffer> {
  const px = Buffer.alloc(size * size * channels, value);
  if (channels === 4) for (let i = 3; i < px.length; i += 4) px[i] = 255;
  return sharp(px, { raw: { width: size, height: size, channels } }).png().toBuffer();
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  let c = 0xffffffff;
  for (const b of body) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return Buffer.concat([head, body, crc]);
}

/** A PNG claiming `width`×`height` RGB with valid CRCs but no pixel data (a decompression-bomb header). */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(0))), chunk('IEND', Buffer.alloc(0))]);
}

/** The first half of a valid, uncompressed 64×64 PNG. */
export async function truncatedPng(): Promise<Buffer> {
  const good = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#0f0' } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  return good.subarray(0, good.length >> 1);
}

/**
 * A folder with `perClass` solid PNGs for classes a and b (pixel value = 10 + index) and a
 * `train.csv` listing them; returns the folder and the CSV rows written.
 */
export async function imageFolder(perClass: number, classes = ['a', 'b']): Promise<{ dir: string; rows: string[] }> {
  const dir = tempDir();
  const rows: string[] = [];
  let i = 0;
  for (let n = 0; n < perClass; n++) {
    for (const cls of classes) {
      const rel = `img/${cls}_${n}.png`;
      write(join(dir, rel), await solidPng(10 + i++));
      rows.push(`${rel},${cls}`);
    }
  }
  write(join(dir, 'train.csv'), `path,label\n${rows.join('\n')}\n`);
  return { dir, rows };
}
