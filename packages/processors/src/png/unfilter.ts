/**
 * Undoes PNG row filtering in place (PNG spec §9). `data` holds `height` rows of
 * `1 + stride` bytes (filter type byte first); `bpp` = bytes per complete pixel (>= 1).
 * Returns false on an unknown filter type. Each filter is its own loop: the per-byte
 * switch of a generic decoder costs more than the arithmetic on small images.
 */
export function unfilter(data: Uint8Array, height: number, stride: number, bpp: number): boolean {
  const rowLen = stride + 1;
  for (let y = 0; y < height; y++) {
    const r = y * rowLen + 1; // first byte of this row's pixels
    const p = r - rowLen; // same byte one row up (only read when y > 0)
    const type = data[r - 1];
    if (type === 0) continue;
    if (type === 1) {
      for (let i = r + bpp, end = r + stride; i < end; i++) data[i] = (data[i] + data[i - bpp]) & 255;
    } else if (type === 2) {
      if (y === 0) continue;
      for (let i = 0; i < stride; i++) data[r + i] = (data[r + i] + data[p + i]) & 255;
    } else if (type === 3) {
      if (y === 0) {
        for (let i = r + bpp, end = r + stride; i < end; i++) data[i] = (data[i] + (data[i - bpp] >> 1)) & 255;
      } else {
        for (let i = 0; i < bpp; i++) data[r + i] = (data[r + i] + (data[p + i] >> 1)) & 255;
        for (let i = bpp; i < stride; i++) data[r + i] = (data[r + i] + ((data[r + i - bpp] + data[p + i]) >> 1)) & 255;
      }
    } else if (type === 4) {
      if (y === 0) {
        // Paeth with an all-zero previous row is the Sub filter.
        for (let i = r + bpp, end = r + stride; i < end; i++) data[i] = (data[i] + data[i - bpp]) & 255;
      } else {
        for (let i = 0; i < bpp; i++) data[r + i] = (data[r + i] + data[p + i]) & 255;
        for (let i = bpp; i < stride; i++) {
          const a = data[r + i - bpp];
          const b = data[p + i];
          const c = data[p + i - bpp];
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          data[r + i] = (data[r + i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
        }
      }
    } else {
      return false;
    }
  }
  return true;
}
