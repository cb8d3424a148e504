/**
 * Writes png-corpus/*.png: small PNGs of every colour type and bit depth as sharp (libspng /
 * libvips) encodes them, for the fast decoder's tests. Deterministic; re-run after changing it:
 *   npx tsx packages/processors/src/__fixtures__/make-png-corpus.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const W = 13; // odd width: low bit depths end mid-byte
const H = 9;
const dir = join(__dirname, 'png-corpus');

function pixels(channels: number, depth: 8 | 16): Buffer {
  const max = depth === 8 ? 255 : 65535;
  const out = depth === 8 ? Buffer.alloc(W * H * channels) : Buffer.alloc(W * H * channels * 2);
  for (let i = 0; i < W * H * channels; i++) {
    // smooth gradients plus a hash, so every filter type gets picked by the encoder
    const v = Math.floor(((i * 2654435761) % 4294967296) / 4294967296 * max * 0.3 + ((i % (W * channels)) / (W * channels)) * max * 0.7);
    if (depth === 8) out[i] = v;
    else out.writeUInt16LE(v, i * 2);
  }
  return out;
}

async function main(): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const raw = (c: 1 | 2 | 3 | 4, d: 8 | 16 = 8) =>
    sharp(pixels(c, d), { raw: { width: W, height: H, channels: c, ...(d === 16 ? { depth: 'ushort' as const } : {}) } });
  const files: Record<string, Promise<Buffer>> = {
    'gray8.png': raw(1).toColourspace('b-w').png().toBuffer(),
    'gray16.png': raw(1, 16).toColourspace('grey16').png().toBuffer(),
    'graya8.png': raw(2).toColourspace('b-w').png().toBuffer(),
    'graya16.png': raw(2, 16).toColourspace('grey16').png().toBuffer(),
    'rgb8.png': raw(3).png().toBuffer(),
    'rgb16.png': raw(3, 16).toColourspace('rgb16').png().toBuffer(),
    'rgba8.png': raw(4).png().toBuffer(),
    'rgba16.png': raw(4, 16).toColourspace('rgb16').png().toBuffer(),
    'palette8.png': raw(3).png({ palette: true, colours: 200, dither: 0 }).toBuffer(),
    'palette4.png': raw(3).png({ palette: true, colours: 16, bitdepth: 4, dither: 0 }).toBuffer(),
    'palette2.png': raw(3).png({ palette: true, colours: 4, bitdepth: 2, dither: 0 }).toBuffer(),
    'palette1.png': raw(3).png({ palette: true, colours: 2, bitdepth: 1, dither: 0 }).toBuffer(),
    'palette-trns.png': raw(4).png({ palette: true, colours: 64, dither: 0 }).toBuffer(),
    'interlaced.png': raw(3).png({ progressive: true }).toBuffer(),
  };
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), await data);
}

void main();
