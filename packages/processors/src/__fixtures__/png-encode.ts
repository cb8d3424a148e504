import { deflateSync } from 'node:zlib';
import { crc32Js } from '../png/crc32';

/** What to write: samples row-major (per pixel `channels` values of `depth` bits). */
export interface PngSpec {
  width: number;
  height: number;
  depth: 1 | 2 | 4 | 8 | 16;
  colorType: 0 | 2 | 3 | 4 | 6;
  samples: ArrayLike<number>;
  palette?: number[];
  trns?: number[];
  /** Row filter per row (default: row y gets filter y % 5, so every filter is exercised). */
  filter?: (y: number) => number;
  /** Extra chunks to insert before IDAT ([type, data]). */
  extra?: Array<[string, Uint8Array]>;
}

const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;

export function chunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32Js(body, 0, body.length), body.length + 4);
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const pa = Math.abs(b - c);
  const pb = Math.abs(a - c);
  const pc = Math.abs(a + b - 2 * c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** A straightforward PNG encoder (non-interlaced) for decoder tests: every colour type, bit depth and filter. */
export function encodePng(s: PngSpec): Buffer {
  const ch = CHANNELS[s.colorType];
  const stride = Math.ceil((s.width * ch * s.depth) / 8);
  const bpp = Math.max(1, (ch * s.depth) >> 3);
  const rows: Uint8Array[] = [];
  for (let y = 0; y < s.height; y++) {
    const row = new Uint8Array(stride);
    for (let x = 0; x < s.width * ch; x++) {
      const v = s.samples[y * s.width * ch + x];
      if (s.depth === 16) {
        row[x * 2] = v >> 8;
        row[x * 2 + 1] = v & 255;
      } else if (s.depth === 8) {
        row[x] = v;
      } else {
        const bit = x * s.depth;
        row[bit >> 3] |= v << (8 - s.depth - (bit & 7));
      }
    }
    rows.push(row);
  }
  const raw = new Uint8Array(s.height * (stride + 1));
  for (let y = 0; y < s.height; y++) {
    const f = (s.filter ?? ((r: number) => r % 5))(y);
    const cur = rows[y];
    const prev = y > 0 ? rows[y - 1] : new Uint8Array(stride);
    const o = y * (stride + 1);
    raw[o] = f;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
      raw[o + 1 + i] = (cur[i] - pred) & 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(s.width, 0);
  ihdr.writeUInt32BE(s.height, 4);
  ihdr[8] = s.depth;
  ihdr[9] = s.colorType;
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (s.palette) parts.push(chunk('PLTE', Uint8Array.from(s.palette)));
  if (s.trns) parts.push(chunk('tRNS', Uint8Array.from(s.trns)));
  for (const [type, data] of s.extra ?? []) parts.push(chunk(type, data));
  parts.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}
