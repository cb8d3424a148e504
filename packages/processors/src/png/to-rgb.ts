/** What the IHDR, PLTE and tRNS chunks say about the pixel rows. */
export interface PngLayout {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  channels: number;
  palette?: Uint8Array;
  trns?: Uint8Array;
}

// What sharp (libvips) gives, checked sample by sample in to-rgb.test.ts: 16-bit samples
// keep their high byte; alpha is flattened onto black at the file's own depth, rounding down.
const flat8 = (c: number, a: number) => Math.floor((c * a) / 255);
const flat16 = (c: number, a: number) => Math.floor((c * a) / 65535) >> 8;

/**
 * Unfiltered rows (filter byte first) → 8-bit RGB, alpha flattened onto black.
 */
export function toRgb(raw: Uint8Array, l: PngLayout, stride: number): Uint8Array {
  const { width: w, height: h, depth, colorType } = l;
  const out = new Uint8Array(w * h * 3);
  const rowLen = stride + 1;
  // tRNS of a gray/RGB image: the one colour (at the file's depth) that is fully transparent.
  const t = l.trns;
  const key = colorType === 0 && t && t.length >= 2 ? [(t[0] << 8) | t[1]] : colorType === 2 && t && t.length >= 6 ? [(t[0] << 8) | t[1], (t[2] << 8) | t[3], (t[4] << 8) | t[5]] : undefined;
  const d16 = (i: number) => (raw[i] << 8) | raw[i + 1];
  let o = 0;
  if (colorType === 2 && depth === 8 && !l.trns) {
    for (let y = 0; y < h; y++) {
      const r = y * rowLen + 1;
      out.set(raw.subarray(r, r + w * 3), o);
      o += w * 3;
    }
    return out;
  }
  for (let y = 0; y < h; y++) {
    const r = y * rowLen + 1;
    for (let x = 0; x < w; x++, o += 3) {
      let R: number, G: number, B: number, A = 255;
      if (colorType === 2) {
        if (depth === 8) {
          const i = r + x * 3;
          [R, G, B] = [raw[i], raw[i + 1], raw[i + 2]];
          if (key && R === key[0] && G === key[1] && B === key[2]) A = 0;
        } else {
          const i = r + x * 6;
          [R, G, B] = [raw[i], raw[i + 2], raw[i + 4]];
          if (key && d16(i) === key[0] && d16(i + 2) === key[1] && d16(i + 4) === key[2]) A = 0;
        }
      } else if (colorType === 6) {
        if (depth === 8) {
          const i = r + x * 4;
          [R, G, B, A] = [raw[i], raw[i + 1], raw[i + 2], raw[i + 3]];
        } else {
          const i = r + x * 8;
          const a = (raw[i + 6] << 8) | raw[i + 7];
          [R, G, B] = [flat16((raw[i] << 8) | raw[i + 1], a), flat16((raw[i + 2] << 8) | raw[i + 3], a), flat16((raw[i + 4] << 8) | raw[i + 5], a)];
        }
      } else if (colorType === 0 || colorType === 4) {
        // colour type 4 never has tRNS (its alpha is in the samples)
        let v: number;
        if (depth === 16) {
          const i = r + x * 2 * (colorType === 4 ? 2 : 1);
          v = colorType === 4 ? flat16(d16(i), d16(i + 2)) : raw[i];
          if (key && d16(i) === key[0]) A = 0;
        } else if (depth === 8) {
          const i = r + x * (colorType === 4 ? 2 : 1);
          v = raw[i];
          if (colorType === 4) A = raw[i + 1];
          else if (key && v === key[0]) A = 0;
        } else {
          const bit = x * depth;
          const max = (1 << depth) - 1;
          const k = (raw[r + (bit >> 3)] >> (8 - depth - (bit & 7))) & max;
          v = (k * 255) / max;
          if (key && k === key[0]) A = 0;
        }
        R = G = B = v;
      } else {
        const bit = x * depth;
        const k = depth === 8 ? raw[r + x] : (raw[r + (bit >> 3)] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
        const p = l.palette!;
        if (k * 3 + 2 >= p.length) {
          R = G = B = 0;
        } else {
          [R, G, B] = [p[k * 3], p[k * 3 + 1], p[k * 3 + 2]];
        }
        if (l.trns && k < l.trns.length) A = l.trns[k];
      }
      if (A !== 255) [R, G, B] = [flat8(R, A), flat8(G, A), flat8(B, A)];
      out[o] = R;
      out[o + 1] = G;
      out[o + 2] = B;
    }
  }
  return out;
}
